/**
 * @module voice/testing/call-server
 * A whole Atlas server for end-to-end voice calls: `startServer` with a given environment (keys,
 * base URLs of fake vendors), a studio user with a token, and a paced audio sender.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config.js';
import type { Database } from '../../db/database.js';
import { createTestUser } from '../../db/testing/test-databases.js';
import { createLogger } from '../../observability/logger.js';
import { type RunningServer, startServer } from '../../server.js';
import { signTestToken, TEST_JWT_SECRET } from './voice-harness.js';
import { VoiceTestClient } from './voice-test-client.js';

export interface CallServer {
  server: RunningServer;
  /** A connected client whose session has started, for a new studio user. */
  call(): Promise<{
    client: VoiceTestClient;
    userId: string;
    sessionId: string;
    conversationId: string;
    model: string;
  }>;
  close(): Promise<void>;
}

export async function startCallServer(
  db: Database,
  env: Record<string, string>,
): Promise<CallServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-call-'));
  const config = loadConfig({
    PORT: '0',
    ATLAS_DATA_DIR: dataDir,
    ATLAS_JWT_SECRET: TEST_JWT_SECRET,
    NODE_ENV: 'test',
    ...env,
  });
  const server = await startServer(
    config,
    createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    { db },
  );
  const clients: VoiceTestClient[] = [];
  return {
    server,
    async call() {
      const user = await createTestUser(db);
      await db.asService((tx) =>
        tx.query(`update public.profiles set tier = 'studio' where id = $1`, [user.id]),
      );
      const client = await VoiceTestClient.connect(`${server.url.replace('http', 'ws')}/v2/voice`);
      clients.push(client);
      const started = await client.start(await signTestToken(user.id));
      return {
        client,
        userId: user.id,
        sessionId: started.sessionId,
        conversationId: started.conversationId,
        model: started.model,
      };
    },
    async close() {
      for (const client of clients) client.terminate();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Sends frames at the pace a microphone produces them (100 ms each), as the web app does. */
export async function sendPaced(
  client: VoiceTestClient,
  frames: readonly Uint8Array[],
  frameMs = 100,
): Promise<void> {
  const start = performance.now();
  for (const [index, frame] of frames.entries()) {
    const due = start + index * frameMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    client.sendAudio(frame);
  }
}

/** What a call left in the database, read as the service role. */
export interface StoredCall {
  messages: Array<{ role: string; content: string; metadata: Record<string, unknown> }>;
  usage: Array<{
    feature: string;
    model: string;
    tokens_input: number;
    tokens_output: number;
    cost_usd: string;
    meta: Record<string, unknown>;
  }>;
  sessions: Array<{
    id: string;
    end_reason: string;
    cost_usd: string;
    stt_seconds: string;
    llm_input_tokens: number;
    llm_output_tokens: number;
    tts_characters: number;
    conversation_id: string;
  }>;
}

export async function storedCall(db: Database, userId: string): Promise<StoredCall> {
  return db.asService(async (tx) => ({
    messages: (
      await tx.query<StoredCall['messages'][number]>(
        'select role, content, metadata from public.messages where user_id = $1 order by created_at',
        [userId],
      )
    ).rows,
    usage: (
      await tx.query<StoredCall['usage'][number]>(
        'select feature, model, tokens_input, tokens_output, cost_usd::text, meta from public.usage_events where user_id = $1 order by created_at',
        [userId],
      )
    ).rows,
    sessions: (
      await tx.query<StoredCall['sessions'][number]>(
        `select id, end_reason, cost_usd::text, stt_seconds::text, llm_input_tokens, llm_output_tokens,
                tts_characters, conversation_id
           from public.voice_sessions where user_id = $1`,
        [userId],
      )
    ).rows,
  }));
}
