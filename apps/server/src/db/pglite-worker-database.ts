/**
 * @module db/pglite-worker-database
 * The embedded database for the running server: PGlite in a worker thread. PGlite executes SQL
 * synchronously in WebAssembly and writes its files with synchronous calls; on the main thread a
 * commit or checkpoint blocked every voice session for as long as it took (measured: event-loop
 * stalls up to 300 ms with 200 live calls). In a worker the main thread only posts messages.
 *
 * One connection, as with PGlite itself: every statement and every transaction takes its turn
 * through one queue here, so a transaction's statements are never interleaved with others.
 * Results, parameters and errors cross the thread boundary by structured clone; a database
 * error keeps its SQLSTATE `code` (callers classify errors by it).
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database, JwtClaims, Queryable, QueryResult } from './database.js';
import { runScoped, SERVICE_CLAIMS, userClaims } from './scoped.js';

type Request =
  | { op: 'query'; sql: string; params: readonly unknown[] }
  | { op: 'exec'; sql: string }
  | { op: 'memory'; collect: boolean }
  | { op: 'close' };

/**
 * The worker's own memory: its V8 heap (garbage included, as it stands) and PGlite's WebAssembly
 * memory. The process's RSS counts both, so this is what tells a growing heap in the worker
 * from one in the main thread.
 */
export interface WorkerMemory {
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  /** PGlite's WebAssembly memory; null when this PGlite version does not expose it. */
  readonly wasmBytes: number | null;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: { message: string; fields: Record<string, unknown> };
}

/** The PGlite error fields worth keeping (those node-postgres also exposes). */
const ERROR_FIELDS = [
  'code',
  'detail',
  'hint',
  'severity',
  'schema',
  'table',
  'column',
  'constraint',
  'where',
];

// The worker is plain CommonJS run with `eval`, so it needs no build step and runs the same
// under the compiled server and under the test runner. It loads PGlite from the path resolved
// here (workerData.pglitePath).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglitePath);
const FIELDS = ${JSON.stringify(ERROR_FIELDS)};
let pg;
const ready = PGlite.create(workerData.directory ? { dataDir: workerData.directory } : {}).then(
  (created) => { pg = created; },
);
function describe(error) {
  const fields = {};
  for (const name of FIELDS) if (error && error[name] !== undefined) fields[name] = error[name];
  return { message: error instanceof Error ? error.message : String(error), fields };
}
parentPort.on('message', async ({ id, request }) => {
  try {
    await ready;
    let result;
    if (request.op === 'query') {
      const r = await pg.query(request.sql, request.params);
      result = { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    } else if (request.op === 'exec') {
      await pg.exec(request.sql);
    } else if (request.op === 'memory') {
      if (request.collect && typeof globalThis.gc === 'function') globalThis.gc();
      const heap = require('node:v8').getHeapStatistics();
      const wasm = pg.mod && pg.mod.HEAPU8;
      result = {
        heapUsedBytes: heap.used_heap_size,
        heapTotalBytes: heap.total_heap_size,
        wasmBytes: wasm ? wasm.byteLength : null,
      };
    } else if (request.op === 'close') {
      if (!pg.closed) await pg.close();
    }
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: describe(error) });
  }
});
`;

/** A database error from the worker, with the fields node-postgres and PGlite put on errors. */
export class PgliteWorkerError extends Error {
  override readonly name = 'PgliteWorkerError';
  readonly code: string | undefined;
  constructor(message: string, fields: Record<string, unknown>) {
    super(message);
    Object.assign(this, fields);
    this.code = typeof fields.code === 'string' ? fields.code : undefined;
  }
}

export class PgliteWorkerDatabase implements Database {
  readonly kind = 'pglite' as const;
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(e: Error): void }>();
  #nextId = 1;
  /** The end of the queue: each unit of work (a statement, a transaction) starts after it. */
  #tail: Promise<unknown> = Promise.resolve();
  #failure: Error | undefined;
  #closed = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (reply: Reply) => this.#settle(reply));
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new Error(`the database worker exited (${code})`)));
  }

  /** Opens (creating if needed) a database in `directory`, or an in-memory one when omitted. */
  static async open(directory?: string): Promise<PgliteWorkerDatabase> {
    if (directory !== undefined) await mkdir(directory, { recursive: true });
    const pglitePath = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pglitePath, directory } });
    const db = new PgliteWorkerDatabase(worker);
    try {
      await db.ping();
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return db;
  }

  /** Runs a script of several statements (bootstrap, migrations). */
  exec(sql: string): Promise<unknown> {
    return this.#exclusive(() => this.#call({ op: 'exec', sql }));
  }

  query<Row = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResult<Row>> {
    return this.#exclusive(() => this.#query<Row>(sql, params));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      await this.#query('begin');
      const tx: Queryable = { query: (sql, params = []) => this.#query(sql, params) };
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        await this.#query('rollback').catch(() => {});
        throw error;
      }
      await this.#query('commit');
      return result;
    });
  }

  withUser<T>(claims: JwtClaims, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return runScoped((f) => this.transaction(f), 'authenticated', userClaims(claims), fn);
  }

  asService<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return runScoped((f) => this.transaction(f), 'service_role', SERVICE_CLAIMS, fn);
  }

  async ping(): Promise<void> {
    await this.query('select 1');
  }

  /**
   * The worker's memory now; answered between statements, never queued behind a transaction.
   * `collect` runs a full GC in the worker first when the process has `--expose-gc` (the soak),
   * so the heap figure is live data rather than garbage not yet collected.
   */
  async memory(options: { collect?: boolean } = {}): Promise<WorkerMemory> {
    return (await this.#call({ op: 'memory', collect: options.collect === true })) as WorkerMemory;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // After the work already queued, so nothing in flight is lost.
    await this.#tail.catch(() => {});
    if (!this.#failure) await this.#call({ op: 'close' }).catch(() => {});
    this.#failure ??= new Error('the database is closed');
    await this.#worker.terminate();
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => {});
    return run;
  }

  async #query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
    return (await this.#call({ op: 'query', sql, params: [...params] })) as QueryResult<Row>;
  }

  #call(request: Request): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      try {
        this.#worker.postMessage({ id, request });
      } catch (error) {
        // A parameter structured clone cannot copy (a function, a symbol): the caller's fault,
        // and nothing was sent.
        reject(new TypeError(`query parameters cannot be sent to the database: ${error}`));
        return;
      }
      this.#pending.set(id, { resolve, reject });
    });
  }

  #settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (reply.error) pending.reject(new PgliteWorkerError(reply.error.message, reply.error.fields));
    else pending.resolve(reply.result);
  }

  /** The worker died: everything waiting fails now, and everything after fails at once. */
  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
