/**
 * @module e2e/support/atlas-stack
 * A whole Atlas for the browser tests, in this process: the wire-faithful fake Deepgram,
 * Anthropic and OpenAI servers, `startServer` on an ephemeral port with the real vendor adapters
 * pointed at the fakes, and PGlite in a temporary data directory (so no PostgreSQL or Redis).
 * The stack also keeps hold of the voice WebSockets' server-side sockets, so a test can cut a
 * live call the way a crashed proxy or a network drop would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import {
  type AnthropicFake,
  type DeepgramFake,
  type LatencyProfile,
  type OpenAiFake,
  startAnthropicFake,
  startDeepgramFake,
  startOpenAiFake,
} from '../../../../packages/fakes/src/index.js';
import type { Tier } from '../../../../packages/protocol/src/index.js';
import { setTier } from '../../../server/src/cli/admin-cli.js';
import { loadConfig } from '../../../server/src/config.js';
import { applyBootstrap, migrate } from '../../../server/src/db/migrator.js';
import { PgliteDatabase } from '../../../server/src/db/pglite-database.js';
import { createLogger } from '../../../server/src/observability/logger.js';
import { type RunningServer, startServer } from '../../../server/src/server.js';
import { RepeatingRecognizer } from './repeating-recognizer.js';

/**
 * Fast but observable: tokens stream over a second or so (a test can see a reply *while* it
 * streams), speech endpointing is as short as Deepgram's real default, TTS answers at once.
 */
export const E2E_PROFILE: LatencyProfile = {
  name: 'e2e',
  stt: { partialEveryMs: 200, lagMs: 0, endpointingMs: 300 },
  llm: { timeToFirstTokenMs: 100, tokensPerSecond: 25 },
  tts: { timeToFirstByteMs: 0, realTimeFactor: 0 },
};

export interface AtlasStackOptions {
  /** What the fake microphone says; the fake speech-to-text hears exactly this. */
  readonly heardSentence: string;
  /** What the fake LLMs answer to anything (chat and voice). */
  readonly reply: string;
  /** Extra environment for Atlas (e.g. `VOICE_V2_ENABLED: 'false'`). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface AtlasStack {
  /** `http://127.0.0.1:<port>`: the app and its API. */
  readonly url: string;
  readonly server: RunningServer;
  readonly deepgram: DeepgramFake;
  readonly anthropic: AnthropicFake;
  readonly openai: OpenAiFake;
  readonly recognizer: RepeatingRecognizer;
  /** Sets a user's tier the way `npm run admin -- set-tier` does. */
  setTier(email: string, tier: Tier): Promise<void>;
  /** Voice WebSockets currently open on the server side. */
  readonly openVoiceSockets: number;
  /** Destroys every open voice WebSocket's TCP socket (no close frame): a dropped connection. */
  dropVoiceSockets(): number;
  /** Atlas's log lines (warnings and errors unless TEST_LOG_LEVEL says otherwise) since the
   * last call, oldest first: what a failing test prints. */
  takeLogs(): string[];
  /** Waits until voice records (messages, usage, sessions) are in the database. */
  flushRecords(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps the last `capacity` log lines for failure reports; with TEST_LOG_LEVEL set they are
 * also written to stdout as they come.
 */
class LogTail {
  readonly #capacity: number;
  readonly #echo = process.env.TEST_LOG_LEVEL !== undefined;
  #lines: string[] = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  write(line: string): void {
    if (this.#echo) process.stdout.write(line);
    this.#lines.push(line.trimEnd());
    if (this.#lines.length > this.#capacity) this.#lines.shift();
  }

  take(): string[] {
    const lines = this.#lines;
    this.#lines = [];
    return lines;
  }
}

export async function startAtlasStack(options: AtlasStackOptions): Promise<AtlasStack> {
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  };
  try {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'atlas-e2e-'));
    closers.push(() => rm(dataDir, { recursive: true, force: true }));
    const recognizer = new RepeatingRecognizer(options.heardSentence);
    const reply = () => options.reply;
    const deepgram = await startDeepgramFake({ recognizer, profile: E2E_PROFILE });
    closers.push(() => deepgram.close());
    const anthropic = await startAnthropicFake({ reply, profile: E2E_PROFILE });
    closers.push(() => anthropic.close());
    const openai = await startOpenAiFake({
      reply,
      profile: E2E_PROFILE,
      transcriptions: { recognizer },
    });
    closers.push(() => openai.close());

    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      ATLAS_DATA_DIR: dataDir,
      ATLAS_JWT_SECRET: randomBytes(32).toString('hex'),
      DEEPGRAM_API_KEY: 'dg-e2e',
      DEEPGRAM_BASE_URL: deepgram.url,
      ANTHROPIC_API_KEY: 'sk-ant-e2e',
      ANTHROPIC_BASE_URL: anthropic.url,
      OPENAI_API_KEY: 'sk-openai-e2e',
      OPENAI_BASE_URL: openai.baseURL,
      ...options.env,
    });
    const logs = new LogTail(200);
    const logger = createLogger({
      level: process.env.TEST_LOG_LEVEL ?? 'warn',
      destination: logs,
    });
    const db = await PgliteDatabase.open(undefined);
    closers.push(() => db.close());
    await applyBootstrap(db);
    await migrate(db);
    const server = await startServer(config, logger, { db });
    closers.push(() => server.close());

    const voiceSockets = new Set<Duplex>();
    server.app.server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
      if (!request.url?.startsWith('/v2/voice')) return;
      voiceSockets.add(socket);
      socket.once('close', () => voiceSockets.delete(socket));
    });
    // Sockets first: a live call must not hold up the server's orderly shutdown.
    closers.push(async () => {
      for (const socket of voiceSockets) socket.destroy();
    });

    return {
      url: server.url,
      server,
      deepgram,
      anthropic,
      openai,
      recognizer,
      async setTier(email, tier) {
        await setTier(server.db, email, tier);
      },
      get openVoiceSockets() {
        return voiceSockets.size;
      },
      dropVoiceSockets() {
        const dropped = voiceSockets.size;
        for (const socket of voiceSockets) socket.destroy();
        voiceSockets.clear();
        return dropped;
      },
      takeLogs: () => logs.take(),
      async flushRecords() {
        const outcome = await server.records.flush(10_000);
        if (outcome !== 'written') throw new Error(`voice records not written: ${outcome}`);
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
