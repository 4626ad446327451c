/**
 * @module voice/testing/voice-harness
 * A real voice gateway for tests: an HTTP server on a free port, PGlite (or a given database),
 * the in-process fake providers, memory or Redis limits, and helpers to make users and tokens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tier } from '@atlas/protocol';
import { SignJWT } from 'jose';
import { createTokenVerifier } from '../../auth/token-verifier.js';
import type { Redis } from '../../cache/redis-connection.js';
import type { Database } from '../../db/database.js';
import { createTestUser, pgliteTarget } from '../../db/testing/test-databases.js';
import { createLogger } from '../../observability/logger.js';
import { type FakeLlmOptions, FakeLlmProvider } from '../../providers/llm/testing/fake-llm.js';
import { type FakeSttOptions, FakeSttProvider } from '../../providers/stt/testing/fake-stt.js';
import { type FakeTtsOptions, FakeTtsProvider } from '../../providers/tts/testing/fake-tts.js';
import { VOICE_PATH, VoiceGateway, type VoiceGatewayDeps } from '../gateway.js';
import { createVoiceLimits, type VoiceLimits } from '../limits/voice-limits.js';
import type { VoiceRecord } from '../records/records.js';
import { SentenceSplitter } from '../sentence-splitter.js';
import type { ResumeTicketState } from '../session-handshake.js';
import type { VoiceObserver } from '../voice-observer.js';
import type { RecordSink } from '../voice-session.js';
import type { VoiceSettings } from '../voice-settings.js';
import { VoiceTestClient } from './voice-test-client.js';

export const TEST_JWT_SECRET = 'voice-harness-secret-that-is-long-enough-0123456789';

/** A Supabase-shaped access token for `userId`, signed with {@link TEST_JWT_SECRET}. */
export function signTestToken(
  userId: string,
  options: { expiresInSeconds?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setAudience('authenticated')
    .setIssuedAt(now - 10)
    .setExpirationTime(now + (options.expiresInSeconds ?? 3600))
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

export class CollectingRecords implements RecordSink {
  readonly records: VoiceRecord[] = [];
  enqueue(record: VoiceRecord): void {
    this.records.push(record);
  }
  of<K extends VoiceRecord['kind']>(kind: K): Extract<VoiceRecord, { kind: K }>[] {
    return this.records.filter((r): r is Extract<VoiceRecord, { kind: K }> => r.kind === kind);
  }
}

export interface HarnessOptions {
  settings?: Partial<VoiceSettings>;
  stt?: FakeSttOptions;
  llm?: FakeLlmOptions;
  tts?: FakeTtsOptions;
  redis?: Redis;
  /** Instances given the same prefix (and Redis) share session counts and resume tickets. */
  keyPrefix?: string;
  /** Lease of a session slot without heartbeats (heartbeats every third of it). */
  sessionTtlMs?: number;
  db?: Database;
  records?: RecordSink;
  observer?: VoiceObserver;
  admit?: VoiceGatewayDeps['admit'];
  isOriginAllowed?: VoiceGatewayDeps['isOriginAllowed'];
}

export interface HarnessUser {
  id: string;
  token: string;
}

export class VoiceHarness {
  readonly db: Database;
  readonly gateway: VoiceGateway;
  readonly limits: VoiceLimits<ResumeTicketState>;
  readonly stt: FakeSttProvider;
  readonly llm: FakeLlmProvider;
  readonly tts: FakeTtsProvider;
  readonly records: RecordSink;
  readonly server: Server;
  readonly url: string;
  readonly #ownsDb: boolean;
  readonly #clients: VoiceTestClient[] = [];

  private constructor(
    fields: Omit<VoiceHarness, 'user' | 'token' | 'client' | 'close' | 'collected'> & {
      ownsDb: boolean;
    },
  ) {
    this.db = fields.db;
    this.gateway = fields.gateway;
    this.limits = fields.limits;
    this.stt = fields.stt;
    this.llm = fields.llm;
    this.tts = fields.tts;
    this.records = fields.records;
    this.server = fields.server;
    this.url = fields.url;
    this.#ownsDb = fields.ownsDb;
  }

  static async start(options: HarnessOptions = {}): Promise<VoiceHarness> {
    const db = options.db ?? (await pgliteTarget.open());
    const stt = new FakeSttProvider({ framesPerWord: 1, silenceFramesToEnd: 3, ...options.stt });
    const llm = new FakeLlmProvider(options.llm);
    const tts = new FakeTtsProvider({ msPerCharacter: 5, ...options.tts });
    const limits = createVoiceLimits<ResumeTicketState>({
      redis: options.redis,
      keyPrefix: options.keyPrefix ?? `test:${crypto.randomUUID()}`,
      sessionTtlMs: options.sessionTtlMs,
    });
    const records = options.records ?? new CollectingRecords();
    const gateway = new VoiceGateway({
      logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      db,
      verifier: createTokenVerifier({ hsSecret: TEST_JWT_SECRET }),
      limits,
      records,
      providers: { stt, llm, tts, sttModel: 'nova-3', ttsModel: 'tts-1' },
      createSplitter: () => new SentenceSplitter(),
      settings: { stablePartialMs: 50, ...options.settings },
      ...(options.observer ? { observer: options.observer } : {}),
      ...(options.admit ? { admit: options.admit } : {}),
      ...(options.isOriginAllowed ? { isOriginAllowed: options.isOriginAllowed } : {}),
    });
    const server = createServer((_request, response) => response.writeHead(404).end());
    gateway.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new VoiceHarness({
      db,
      gateway,
      limits,
      stt,
      llm,
      tts,
      records,
      server,
      url: `ws://127.0.0.1:${port}${VOICE_PATH}`,
      ownsDb: options.db === undefined,
    });
  }

  get collected(): CollectingRecords {
    if (!(this.records instanceof CollectingRecords))
      throw new Error('this harness writes records elsewhere');
    return this.records;
  }

  async user(tier: Tier = 'studio'): Promise<HarnessUser> {
    const user = await createTestUser(this.db);
    await this.db.asService((tx) =>
      tx.query('update public.profiles set tier = $1 where id = $2', [tier, user.id]),
    );
    return { id: user.id, token: await this.token(user.id) };
  }

  token(userId: string, options: { expiresInSeconds?: number } = {}): Promise<string> {
    return signTestToken(userId, options);
  }

  async client(options: { autoPong?: boolean } = {}): Promise<VoiceTestClient> {
    const client = await VoiceTestClient.connect(this.url, options);
    this.#clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    for (const client of this.#clients) client.terminate();
    await this.gateway.shutdown();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.#ownsDb) await this.db.close();
  }
}
