/**
 * @module server
 * The composition root: opens the database and Redis, sets up auth, metrics, the durable record
 * writer and the voice gateway, builds the app, listens, and shuts all of it down in order:
 * live calls first (told to resume elsewhere), then the records they produced, then Redis and
 * the database.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { setupAuth } from './auth/index.js';
import { connectRedis, type Redis } from './cache/redis-connection.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { openDatabase } from './db/open-database.js';
import { createOriginPolicy } from './http/security.js';
import { createMessageRateLimit } from './limits/message-rate-limit.js';
import type { Logger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import type { PlatformServices } from './platform.js';
import { OfflineLlm } from './providers/llm/offline-llm.js';
import { plannedReport } from './providers/selection.js';
import { createVoiceProviders } from './providers/voice-providers.js';
import { UsageService } from './usage/usage-service.js';
import { VoiceGateway } from './voice/gateway.js';
import { createVoiceLimits } from './voice/limits/voice-limits.js';
import { metricsObserver } from './voice/metrics-observer.js';
import { RecordWriter } from './voice/records/record-writer.js';
import { SentenceSplitter } from './voice/sentence-splitter.js';
import type { ResumeTicketState } from './voice/session-handshake.js';
import type { VoiceProviders } from './voice/voice-session.js';
import type { VoiceSettings } from './voice/voice-settings.js';

export interface RunningServer {
  app: FastifyInstance;
  /** The address the server listens on, e.g. `http://127.0.0.1:8787`. */
  url: string;
  db: Database;
  records: RecordWriter;
  voice: VoiceGateway | undefined;
  /** Stops accepting, ends live calls, flushes records, then closes Redis and the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Voice providers to use instead of those the configuration selects (tests, benchmarks). */
  voiceProviders?: VoiceProviders;
  voiceSettings?: Partial<VoiceSettings>;
  /** An already-open database to use instead of opening one from the configuration. */
  db?: Database;
}

export async function startServer(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningServer> {
  const opened: Array<() => Promise<unknown>> = [];
  const closeOpened = async () => {
    for (const close of opened.splice(0).reverse()) {
      await close().catch((error: unknown) => logger.error({ err: error }, 'shutdown step failed'));
    }
  };
  try {
    const db = options.db ?? (await openDatabase(config, logger));
    if (!options.db) opened.push(() => db.close());
    let redis: Redis | undefined;
    if (config.redisUrl) {
      const connected = await connectRedis(config.redisUrl);
      redis = connected;
      opened.push(() => connected.quit());
    }
    const records = new RecordWriter({
      db,
      dataDir: config.dataDir,
      logger: logger.child({ module: 'records' }),
    });
    opened.push(async () => {
      const outcome = await records.close();
      logger.info({ outcome, ...records.stats }, 'voice records flushed');
    });
    const auth = await setupAuth({ config, logger, db, redis });
    const metrics = createMetrics();
    const setup = options.voiceProviders
      ? undefined
      : createVoiceProviders(config, logger, { metrics });
    if (setup) opened.push(() => setup.close());
    const providers = options.voiceProviders ?? setup?.voice;
    const providerReport = setup?.report ?? {
      ...plannedReport(config),
      voice: providers !== undefined,
    };
    const usage = new UsageService(db, { limits: config.usageLimits });
    const platform: PlatformServices = {
      usage,
      messageRateLimit: createMessageRateLimit({ redis }),
      llm: setup?.llm ?? options.voiceProviders?.llm ?? new OfflineLlm(),
      batchStt: setup?.batchStt,
      tts:
        setup?.tts ??
        (options.voiceProviders
          ? { provider: options.voiceProviders.tts, model: options.voiceProviders.ttsModel }
          : undefined),
    };
    const voice = providers
      ? new VoiceGateway({
          logger: logger.child({ module: 'voice' }),
          db,
          verifier: auth.verifier,
          limits: createVoiceLimits<ResumeTicketState>({ redis }),
          records,
          providers,
          createSplitter: () => new SentenceSplitter(),
          observer: metricsObserver(metrics),
          admit: (claims, tier) => usage.assertWithinMonthlyLimit(claims, tier),
          isOriginAllowed: createOriginPolicy(config.corsOrigins),
          ...(options.voiceSettings ? { settings: options.voiceSettings } : {}),
        })
      : undefined;
    const app = await buildApp({
      config,
      logger,
      db,
      redis,
      auth,
      metrics,
      voice,
      providerReport,
      platform,
    });
    opened.push(() => app.close());
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    logger.info(
      {
        url,
        database: db.kind,
        cache: redis ? 'redis' : 'memory',
        providers: providerReport,
        standaloneAuth: auth.standalone,
      },
      `Atlas listening on ${url}`,
    );
    return { app, url, db, records, voice, close: closeOpened };
  } catch (error) {
    await closeOpened();
    throw error;
  }
}
