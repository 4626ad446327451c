/**
 * @module soak/soak-ipc
 * The messages between the soak driver and the Atlas process it measures (Node IPC, JSON).
 */
import type { WorkerMemory } from '../db/pglite-worker-database.js';
import type { ProcessSample } from './process-stats.js';

export interface GatewayCounts {
  sessions: number;
  connecting: number;
}

export interface AtlasSample extends ProcessSample, GatewayCounts {
  /** The embedded database's worker thread (absent with PostgreSQL): its own heap and PGlite's. */
  dbWorker?: WorkerMemory;
}

export type DriverRequest =
  | { id: number; type: 'sample' }
  | { id: number; type: 'create_users'; count: number }
  | { id: number; type: 'stop' };

export type AtlasReply =
  | { type: 'ready'; url: string }
  | { type: 'start_failed'; message: string }
  | { id: number; type: 'sample'; sample: AtlasSample }
  | { id: number; type: 'users'; userIds: string[] }
  | { id: number; type: 'stopped' }
  | { id: number; type: 'failed'; message: string };
