/**
 * @module scale/testing/cuttable-instance
 * One more Atlas process for a cluster, outside the round-robin proxy, whose connection to
 * PostgreSQL runs through a TCP proxy the test can cut: PostgreSQL "down" for this instance
 * only, while the others (and Redis) stay up.
 */
import { testDatabaseUrl } from '../../db/testing/test-databases.js';
import { TcpProxy } from '../../voice/records/testing/tcp-proxy.js';
import { AtlasInstance } from './atlas-instance.js';
import type { ScaleCluster } from './scale-cluster.js';

export interface CuttableInstance {
  /** Its environment; `ATLAS_DATA_DIR` stays the same across restarts. */
  env: Readonly<Record<string, string>>;
  database: TcpProxy;
  /** The running process (replaced by `restart`). */
  instance: AtlasInstance;
  wsUrl(): string;
  /** Starts a new process on the same data dir (its spool is replayed). */
  restart(): Promise<AtlasInstance>;
  close(): Promise<void>;
}

export async function startCuttableInstance(cluster: ScaleCluster): Promise<CuttableInstance> {
  const target = new URL(testDatabaseUrl(cluster.db) ?? '');
  const database = await TcpProxy.start({
    host: target.hostname,
    port: Number(target.port || 5432),
  });
  const proxied = new URL(target);
  proxied.host = `127.0.0.1:${database.port}`;
  const env = {
    ...cluster.env,
    DATABASE_URL: proxied.toString(),
    ATLAS_DATA_DIR: cluster.newDataDir(),
  };
  const handle: CuttableInstance = {
    env,
    database,
    instance: await AtlasInstance.start(env),
    wsUrl: () => `${handle.instance.url.replace('http', 'ws')}/v2/voice`,
    async restart() {
      await handle.instance.stop('SIGKILL');
      handle.instance = await AtlasInstance.start(env);
      return handle.instance;
    },
    async close() {
      await handle.instance.stop('SIGKILL');
      await database.close();
    },
  };
  return handle;
}
