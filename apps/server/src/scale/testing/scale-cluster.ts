/**
 * @module scale/testing/scale-cluster
 * Several Atlas processes behind a round-robin proxy, sharing one PostgreSQL database (fresh per
 * run, on the server at TEST_DATABASE_URL), one Redis (TEST_REDIS_URL), one JWT secret and one
 * set of wire-faithful fake providers. The fake Deepgram reads words back from coded audio, so
 * concurrent calls on different instances never share a script.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CodedSpeechRecognizer,
  startAnthropicFake,
  startDeepgramFake,
  startOpenAiFake,
} from '@atlas/fakes';
import type { Database } from '../../db/database.js';
import {
  createTestUser,
  postgresTarget,
  testDatabaseUrl,
} from '../../db/testing/test-databases.js';
import { signTestToken, TEST_JWT_SECRET } from '../../voice/testing/voice-harness.js';
import { AtlasInstance } from './atlas-instance.js';
import { RoundRobinProxy } from './round-robin-proxy.js';

/** Words a caller can say: the fake Deepgram hears exactly these from `codedSpeech` frames. */
export const SCALE_VOCABULARY = [
  'hello',
  'atlas',
  'what',
  'is',
  'the',
  'weather',
  'today',
  'plan',
  'my',
  'trip',
];

export interface ClusterUser {
  id: string;
  token: string;
}

export interface ScaleCluster {
  db: Database;
  /** The environment every instance shares (no port, no data dir). */
  env: Readonly<Record<string, string>>;
  /** A fresh data directory, deleted when the cluster closes. */
  newDataDir(): string;
  instances: AtlasInstance[];
  proxy: RoundRobinProxy;
  wsUrl: string;
  anthropic: Awaited<ReturnType<typeof startAnthropicFake>>;
  user(tier: 'free' | 'studio'): Promise<ClusterUser>;
  /** `atlas_voice_active_sessions` of instance `index`. */
  activeSessions(index: number): Promise<number>;
  /** Replaces instance `index` by a new process with the same environment (and data dir). */
  restart(index: number): Promise<AtlasInstance>;
  close(): Promise<void>;
}

export async function startScaleCluster(options: {
  size: number;
  adminDatabaseUrl: string;
  redisUrl: string;
}): Promise<ScaleCluster> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    const db = await postgresTarget(options.adminDatabaseUrl).open();
    cleanups.push(() => db.close());
    const databaseUrl = testDatabaseUrl(db);
    if (databaseUrl === undefined) throw new Error('expected a PostgreSQL test database');
    const deepgram = await startDeepgramFake({
      recognizer: new CodedSpeechRecognizer(SCALE_VOCABULARY),
    });
    const anthropic = await startAnthropicFake({});
    const openai = await startOpenAiFake({});
    cleanups.push(
      () => deepgram.close(),
      () => anthropic.close(),
      () => openai.close(),
    );

    const baseEnv = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl,
      REDIS_URL: options.redisUrl,
      ATLAS_JWT_SECRET: TEST_JWT_SECRET,
      DEEPGRAM_API_KEY: 'dg-scale',
      DEEPGRAM_BASE_URL: deepgram.url,
      ANTHROPIC_API_KEY: 'sk-ant-scale',
      ANTHROPIC_BASE_URL: anthropic.url,
      OPENAI_API_KEY: 'sk-openai-scale',
      OPENAI_BASE_URL: openai.baseURL,
    };
    const newDataDir = () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-scale-'));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      return dataDir;
    };
    const instances = await Promise.all(
      Array.from({ length: options.size }, () =>
        AtlasInstance.start({ ...baseEnv, ATLAS_DATA_DIR: newDataDir() }),
      ),
    );
    cleanups.push(() => Promise.all(instances.map((instance) => instance.stop('SIGKILL'))));
    const proxy = await RoundRobinProxy.start(
      instances.map((instance) => ({ host: '127.0.0.1', port: instance.port })),
    );
    cleanups.push(() => proxy.close());

    return {
      db,
      env: baseEnv,
      newDataDir,
      instances,
      proxy,
      wsUrl: `ws://127.0.0.1:${proxy.port}/v2/voice`,
      anthropic,
      async user(tier) {
        const user = await createTestUser(db);
        await db.asService((tx) =>
          tx.query('update public.profiles set tier = $1 where id = $2', [tier, user.id]),
        );
        return { id: user.id, token: await signTestToken(user.id) };
      },
      async activeSessions(index) {
        const text = await (await fetch(`${instances[index]?.url}/metrics`)).text();
        const match = /^atlas_voice_active_sessions (\d+)/m.exec(text);
        if (!match?.[1]) throw new Error('atlas_voice_active_sessions missing from /metrics');
        return Number(match[1]);
      },
      async restart(index) {
        const old = instances[index];
        if (old === undefined) throw new RangeError(`no instance ${index}`);
        await old.stop('SIGKILL');
        const fresh = await old.restart();
        instances[index] = fresh;
        proxy.replace(index, { host: '127.0.0.1', port: fresh.port });
        return fresh;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
