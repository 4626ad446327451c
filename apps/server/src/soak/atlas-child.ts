/**
 * @module soak/atlas-child
 * Atlas as the soak measures it: the real server (`startServer`, configured from the environment
 * like `main.ts`) in its own process, forked by the soak driver, answering IPC requests for a
 * stats sample, for studio users (inserted directly, as the embedded database is only reachable
 * from here), and for a graceful stop.
 */
import { loadConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { PgliteWorkerDatabase } from '../db/pglite-worker-database.js';
import { createLogger } from '../observability/logger.js';
import { type RunningServer, startServer } from '../server.js';
import { type ProcessSampler, startProcessSampler } from './process-stats.js';
import type { AtlasReply, DriverRequest } from './soak-ipc.js';

function reply(message: AtlasReply): void {
  // The driver may be gone (Ctrl-C while we started): then there is nobody to answer.
  if (process.connected) process.send?.(message);
}

async function createStudioUsers(db: Database, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const email = `soak-${crypto.randomUUID()}@example.test`;
    const { rows } = await db.query<{ id: string }>(
      `insert into auth.users (email, raw_user_meta_data) values ($1, '{}') returning id`,
      [email],
    );
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('insert into auth.users returned no id');
    await db.asService((tx) =>
      tx.query(`update public.profiles set tier = 'studio' where id = $1`, [id]),
    );
    ids.push(id);
  }
  return ids;
}

async function answer(
  request: DriverRequest,
  server: RunningServer,
  sampler: ProcessSampler,
): Promise<AtlasReply> {
  switch (request.type) {
    case 'sample': {
      // The worker's isolate first (collected, like this one below), so RSS is read after both.
      const dbWorker =
        server.db instanceof PgliteWorkerDatabase
          ? await server.db.memory({ collect: true })
          : undefined;
      return {
        id: request.id,
        type: 'sample',
        sample: {
          ...sampler.sample(),
          ...(dbWorker ? { dbWorker } : {}),
          sessions: server.voice?.sessionCount ?? 0,
          connecting: server.voice?.connectingCount ?? 0,
        },
      };
    }
    case 'create_users':
      return {
        id: request.id,
        type: 'users',
        userIds: await createStudioUsers(server.db, request.count),
      };
    case 'stop':
      sampler.stop();
      await server.close();
      return { id: request.id, type: 'stopped' };
  }
}

async function run(): Promise<void> {
  if (process.send === undefined) {
    process.stderr.write('atlas-child is started by the soak driver (npm run soak)\n');
    process.exit(2);
  }
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  let server: RunningServer;
  try {
    server = await startServer(config, logger);
  } catch (error) {
    reply({
      type: 'start_failed',
      message: error instanceof Error ? error.message : String(error),
    });
    process.exit(1);
  }
  const sampler = startProcessSampler();
  process.on('message', (request: DriverRequest) => {
    answer(request, server, sampler)
      .then((message) => {
        reply(message);
        if (message.type === 'stopped') process.disconnect();
      })
      .catch((error: unknown) =>
        reply({
          id: request.id,
          type: 'failed',
          message: error instanceof Error ? error.message : String(error),
        }),
      );
  });
  // The driver gone (crashed or killed) means nobody will stop us: do it ourselves.
  process.on('disconnect', () => {
    void server.close().finally(() => process.exit(0));
  });
  reply({ type: 'ready', url: server.url });
}

void run();
