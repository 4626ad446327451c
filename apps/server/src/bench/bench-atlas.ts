/**
 * @module bench/bench-atlas
 * Atlas as the benchmarks run it: `startServer` in this process on a free port, configured like
 * production (NODE_ENV=production, warn-level logs) against the fake providers, with PGlite in a
 * temporary data directory, a generated JWT secret, and Studio users created through the
 * database the way the tests do.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { loadConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { createLogger } from '../observability/logger.js';
import { type RunningServer, startServer } from '../server.js';
import type { VoiceSettings } from '../voice/voice-settings.js';

export interface BenchUser {
  readonly id: string;
  readonly token: string;
}

export interface BenchAtlas {
  readonly server: RunningServer;
  /** `ws://…/v2/voice` */
  readonly voiceUrl: string;
  /** A new Studio-tier user with an access token valid for a day. */
  newUser(): Promise<BenchUser>;
  close(): Promise<void>;
}

export interface BenchAtlasOptions {
  /** Provider variables (keys and base URLs of the fakes). */
  readonly env: Record<string, string>;
  readonly voiceSettings?: Partial<VoiceSettings>;
  /** Share one database between several servers (each still gets its own data directory). */
  readonly db?: Database;
  readonly logLevel?: string;
}

export async function startBenchAtlas(options: BenchAtlasOptions): Promise<BenchAtlas> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-bench-'));
  const secret = randomBytes(32).toString('hex');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    ATLAS_DATA_DIR: dataDir,
    ATLAS_JWT_SECRET: secret,
    LOG_LEVEL: options.logLevel ?? 'warn',
    ...options.env,
  });
  const logger = createLogger({ level: config.logLevel });
  let server: RunningServer;
  try {
    server = await startServer(config, logger, {
      ...(options.db ? { db: options.db } : {}),
      ...(options.voiceSettings ? { voiceSettings: options.voiceSettings } : {}),
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const key = new TextEncoder().encode(secret);
  return {
    server,
    voiceUrl: `${server.url.replace(/^http/, 'ws')}/v2/voice`,
    async newUser() {
      const db = server.db;
      const email = `bench-${randomBytes(8).toString('hex')}@example.test`;
      const { rows } = await db.query<{ id: string }>(
        'insert into auth.users (email, raw_user_meta_data) values ($1, $2) returning id',
        [email, '{}'],
      );
      const id = rows[0]?.id;
      if (id === undefined) throw new Error('insert into auth.users returned no id');
      await db.asService((tx) =>
        tx.query(`update public.profiles set tier = 'studio' where id = $1`, [id]),
      );
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ role: 'authenticated', email })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(id)
        .setAudience('authenticated')
        .setIssuedAt(now - 10)
        .setExpirationTime(now + 24 * 3600)
        .sign(key);
      return { id, token };
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
