/**
 * @module voice/records/record-writer
 * The durable background writer for voice records (protocol rule 4: "nothing is lost when the
 * database is briefly unreachable"). The voice hot path calls `enqueue`, which only pushes onto
 * an in-memory queue; one loop writes batches in `service_role` transactions.
 *
 * When the database is away the loop retries forever with exponential backoff and jitter.
 * Memory stays bounded: past `maxQueuedRecords` / `maxQueuedBytes` the whole queue moves to an
 * fsync'd JSONL spool under `<dataDir>/spool/`, which is written back first when the database
 * returns (and on the next start, after a crash). The spool always holds the oldest records and
 * memory the newest, so records reach the database in the order they were enqueued: enqueue a
 * conversation before its messages and it is written before them.
 *
 * A record the database refuses for good (a constraint violation, bad data) goes to a
 * dead-letter file with the error, and the rest of its batch is still written.
 *
 * @example
 * const writer = new RecordWriter({ db, dataDir: config.dataDir, logger });
 * writer.enqueue({ kind: 'conversation', id: conversationId, userId, title: 'Voice call' });
 * writer.enqueue({ kind: 'message', id: randomUUID(), conversationId, userId, role: 'user',
 *   content: text, metadata: { voice_call: true, session_id: sessionId, confidence } });
 * // at SIGTERM, after the sessions have enqueued their last rows:
 * await writer.close(10_000);
 */
import path from 'node:path';
import type { Database, Queryable } from '../../db/database.js';
import { backoffDelay } from '../../db/retry.js';
import type { Logger } from '../../observability/logger.js';
import { LoopYielder } from './loop-yield.js';
import { RecordQueue } from './record-queue.js';
import { type DeadLetter, RecordSpool } from './record-spool.js';
import { isRecordError, touchConversations, writeRecord, writeRecords } from './record-sql.js';
import {
  estimateRecordBytes,
  MonotonicClock,
  normalizeRecord,
  recordProblem,
  type VoiceRecord,
} from './records.js';

export interface RecordWriterOptions {
  db: Database;
  /** The spool and dead-letter files live in `<dataDir>/spool/`. */
  dataDir: string;
  logger?: Logger;
  /** Called for every failure (also logged): for metrics and alerts. Must not throw. */
  onError?: (error: unknown, context: RecordWriterErrorContext) => void;
  /** Records per transaction (default 100). */
  batchSize?: number;
  /** How long a partial batch waits for company before it is written (default 50 ms). */
  lingerMs?: number;
  /** Memory limits past which the queue moves to the spool (defaults 10,000 and 16 MiB). */
  maxQueuedRecords?: number;
  maxQueuedBytes?: number;
  /** Backoff between failed attempts while the database is away (defaults 100 ms to 10 s). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** How long a failed spill (disk full, no permission) waits before the next try (1 s). */
  spillRetryDelayMs?: number;
  /** Jitter source, replaceable in tests. */
  random?: () => number;
}

export type RecordWriterPhase = 'write' | 'spill' | 'spool' | 'dead_letter' | 'rejected';

export interface RecordWriterErrorContext {
  phase: RecordWriterPhase;
  /** How many records the failed operation carried. */
  records: number;
  /** Consecutive failed write attempts, for `write`. */
  attempt?: number;
}

/** Where the records enqueued before a `flush` ended up. */
export type FlushOutcome =
  /** All in the database. */
  | 'written'
  /** The database stayed away: the rest is in the spool on disk, to be written later. */
  | 'spilled'
  /** The disk failed too: some records are still only in memory. */
  | 'pending';

export interface RecordWriterStats {
  /** Records in memory, not yet written. */
  queued: number;
  queuedBytes: number;
  /** Records in the spool file, not yet written. */
  spilled: number;
  /** Records committed to the database (replays included). */
  written: number;
  /** Of those, records that were already there (a retried batch or a replayed spool). */
  duplicates: number;
  /** Records ever moved to the spool. */
  spilledTotal: number;
  /** Records moved to the dead-letter file. */
  deadLettered: number;
  /** Failed write attempts in a row; 0 while the database is healthy. */
  consecutiveFailures: number;
  lastError: { message: string; code?: string; at: string } | null;
  closed: boolean;
}

type LoopState = 'busy' | 'idle' | 'linger' | 'backoff' | 'stopped';

interface FlushWaiter {
  target: number;
  resolve: () => void;
}

const DEFAULTS = {
  batchSize: 100,
  lingerMs: 50,
  maxQueuedRecords: 10_000,
  maxQueuedBytes: 16 * 1024 * 1024,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 10_000,
  spillRetryDelayMs: 1_000,
};

export const DEFAULT_FLUSH_TIMEOUT_MS = 5_000;

function errorSummary(error: unknown): { message: string; code?: string } {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? { message, code } : { message };
}

export class RecordWriter {
  readonly #db: Database;
  readonly #logger: Logger | undefined;
  readonly #onError: RecordWriterOptions['onError'];
  readonly #options: typeof DEFAULTS;
  readonly #random: () => number;
  readonly #spool: RecordSpool;
  readonly #queue = new RecordQueue();
  readonly #clock = new MonotonicClock();
  readonly #flushWaiters = new Set<FlushWaiter>();
  readonly #loopDone: Promise<void>;

  #seq = 0;
  #state: LoopState = 'busy';
  #signal: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #spilling: Promise<void> | undefined;
  #spillBlockedUntil = 0;
  /** The spool left by an earlier run has been looked at: until then, flush cannot be sure. */
  #ready = false;
  #stopping = false;
  #closed = false;
  #closing: Promise<FlushOutcome> | undefined;

  #written = 0;
  #duplicates = 0;
  #spilledTotal = 0;
  #deadLettered = 0;
  #failures = 0;
  #lastError: RecordWriterStats['lastError'] = null;

  constructor(options: RecordWriterOptions) {
    this.#db = options.db;
    this.#logger = options.logger;
    this.#onError = options.onError;
    this.#random = options.random ?? Math.random;
    this.#options = {
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      lingerMs: options.lingerMs ?? DEFAULTS.lingerMs,
      maxQueuedRecords: options.maxQueuedRecords ?? DEFAULTS.maxQueuedRecords,
      maxQueuedBytes: options.maxQueuedBytes ?? DEFAULTS.maxQueuedBytes,
      retryBaseDelayMs: options.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs,
      retryMaxDelayMs: options.retryMaxDelayMs ?? DEFAULTS.retryMaxDelayMs,
      spillRetryDelayMs: options.spillRetryDelayMs ?? DEFAULTS.spillRetryDelayMs,
    };
    this.#spool = new RecordSpool(path.join(options.dataDir, 'spool'));
    this.#loopDone = this.#run().catch((error: unknown) => {
      // Only a bug gets here. Say so loudly; close() still spools what memory holds.
      this.#state = 'stopped';
      this.#report(error, { phase: 'write', records: this.#queue.length });
    });
  }

  /** The spool file (JSONL) and the dead-letter file, for operators and tests. */
  get spoolPath(): string {
    return this.#spool.path;
  }

  get deadLetterPath(): string {
    return this.#spool.deadLetterPath;
  }

  /** Health and metrics: a snapshot of the queue, the spool and the last failure. */
  get stats(): RecordWriterStats {
    return {
      queued: this.#queue.length,
      queuedBytes: this.#queue.bytes,
      spilled: this.#spool.pending,
      written: this.#written,
      duplicates: this.#duplicates,
      spilledTotal: this.#spilledTotal,
      deadLettered: this.#deadLettered,
      consecutiveFailures: this.#failures,
      lastError: this.#lastError,
      closed: this.#closed,
    };
  }

  /** True while a timer, a file operation or the loop itself is still alive. */
  get pending(): boolean {
    return this.#timer !== undefined || this.#spool.busy || this.#state !== 'stopped';
  }

  /**
   * Queues `record` for writing. Synchronous and O(1): never waits for the database, never
   * throws. Returns false when the record is malformed (it is dead-lettered instead).
   */
  enqueue(record: VoiceRecord): boolean {
    try {
      const problem = recordProblem(record);
      if (problem !== undefined) {
        void this.#reject([{ record, error: new Error(problem) }]);
        return false;
      }
      const normalized = normalizeRecord(record, this.#clock);
      if (this.#closed) {
        this.#spillLate(normalized);
        return true;
      }
      this.#seq++;
      this.#queue.push({
        seq: this.#seq,
        record: normalized,
        bytes: estimateRecordBytes(normalized),
      });
      if (this.#overLimit()) void this.#spill();
      if (this.#queue.length >= this.#options.batchSize) this.#wake('idle', 'linger');
      else this.#wake('idle');
      return true;
    } catch (error) {
      // Only a bug gets here; the caller's turn must go on regardless.
      this.#report(error, { phase: 'rejected', records: 1 });
      return false;
    }
  }

  /**
   * Waits until every record enqueued so far is in the database. If the database is still away
   * after `timeoutMs`, moves what is left in memory to the spool instead: nothing is dropped.
   */
  async flush(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS): Promise<FlushOutcome> {
    const target = this.#seq;
    if (this.#settled(target)) return 'written';
    if (this.#state !== 'stopped') {
      const settled = new Promise<boolean>((resolve) => {
        const waiter: FlushWaiter = { target, resolve: () => resolve(true) };
        this.#flushWaiters.add(waiter);
        const timer = setTimeout(() => {
          this.#flushWaiters.delete(waiter);
          resolve(false);
        }, timeoutMs);
        waiter.resolve = () => {
          clearTimeout(timer);
          this.#flushWaiters.delete(waiter);
          resolve(true);
        };
      });
      // Try now: a flush is rare (shutdown, tests) and worth one attempt out of turn.
      this.#wake('idle', 'linger', 'backoff');
      if (await settled) return 'written';
    }
    await this.#spilling;
    if (this.#queue.length > 0) await this.#spill(true);
    return this.#queue.headSeq <= target ? 'pending' : 'spilled';
  }

  /**
   * Flushes (see {@link flush}), stops the loop and leaves no timer behind. Records enqueued
   * afterwards go straight to the spool for the next start.
   */
  close(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS): Promise<FlushOutcome> {
    this.#closing ??= this.#close(timeoutMs);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<FlushOutcome> {
    const deadline = Date.now() + timeoutMs;
    let outcome = await this.flush(timeoutMs);
    // Sessions may enqueue their last rows while the first flush runs.
    while (outcome === 'written' && this.#queue.length > 0 && Date.now() < deadline) {
      outcome = await this.flush(Math.max(0, deadline - Date.now()));
    }
    this.#stopping = true;
    this.#wake('idle', 'linger', 'backoff');
    // A write stuck on an unreachable server is left to finish on its own: its records are
    // in the spool by now, and replaying them is harmless.
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#loopDone,
      new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      }),
    ]);
    clearTimeout(graceTimer);
    // Whatever is still in memory goes to disk. No await may separate the last emptiness
    // check from `#closed`, or a record enqueued in between would be stranded in memory.
    for (;;) {
      await this.#spilling;
      await this.#spool.idle();
      if (this.#queue.length === 0) break;
      await this.#spill(true);
      if (this.#queue.length > 0) {
        outcome = 'pending'; // the disk failed too; the log says so
        break;
      }
      if (outcome === 'written') outcome = 'spilled';
    }
    this.#closed = true;
    return outcome;
  }

  // ---------------------------------------------------------------------------------------
  // The loop

  async #run(): Promise<void> {
    try {
      await this.#spool.open();
    } catch (error) {
      this.#report(error, { phase: 'spool', records: 0 });
    }
    this.#ready = true;
    this.#progress();
    if (this.#spool.pending > 0) {
      this.#logger?.info(
        { spooled: this.#spool.pending, path: this.#spool.path },
        'voice records: replaying the spool left by an earlier run',
      );
    }
    for (;;) {
      if (this.#stopping) break;
      // Memory is never written around a spill in progress: the spill may hold older records.
      if (this.#spilling !== undefined) await this.#spilling;
      const fromSpool = this.#spool.pending > 0;
      if (!fromSpool && this.#queue.length === 0) {
        await this.#wait('idle');
        continue;
      }
      try {
        if (fromSpool) {
          await this.#writeFromSpool();
        } else {
          const lingering =
            this.#queue.length < this.#options.batchSize && this.#flushWaiters.size === 0;
          if (lingering) await this.#wait('linger', this.#options.lingerMs);
          if (this.#stopping) break;
          await this.#writeFromMemory();
        }
        if (this.#failures > 0) {
          this.#logger?.info(
            { failedAttempts: this.#failures },
            'voice records: database writes resumed',
          );
          this.#failures = 0;
        }
      } catch (error) {
        this.#failures++;
        this.#report(error, {
          phase: 'write',
          records: Math.min(this.#options.batchSize, this.#queue.length + this.#spool.pending),
          attempt: this.#failures,
        });
        if (this.#stopping) break;
        const { retryBaseDelayMs, retryMaxDelayMs } = this.#options;
        const delay = backoffDelay(this.#failures, retryBaseDelayMs, retryMaxDelayMs, this.#random);
        await this.#wait('backoff', delay);
      }
    }
    this.#state = 'stopped';
  }

  async #writeFromMemory(): Promise<void> {
    // Older records may sit in the spool (or be on their way there): those go first.
    if (this.#spilling !== undefined || this.#spool.pending > 0) return;
    const entries = this.#queue.peek(this.#options.batchSize);
    const last = entries.at(-1);
    if (last === undefined) return;
    await this.#writeBatch(entries.map((entry) => entry.record));
    // If a spill took these meanwhile, they are in the spool too; dropping is then a no-op.
    this.#queue.dropThrough(last.seq);
    this.#progress();
  }

  async #writeFromSpool(): Promise<void> {
    const batch = await this.#spool.read(this.#options.batchSize);
    const valid: VoiceRecord[] = [];
    const refused: DeadLetter[] = batch.corrupt.map((raw) => ({
      raw,
      error: new Error('unreadable spool line'),
    }));
    for (const record of batch.records) {
      const problem = recordProblem(record);
      if (problem === undefined) valid.push(record);
      else refused.push({ record, error: new Error(problem) });
    }
    // Written first: if the database is away, the retry must not dead-letter these twice.
    if (valid.length > 0) await this.#writeBatch(valid);
    if (refused.length > 0) await this.#reject(refused, true);
    await this.#spool.acknowledge(batch);
    this.#progress();
  }

  /**
   * One transaction for the whole batch, each kind of record in as few statements as it can
   * (`writeRecords`). If the database refuses a record, the batch runs again with a savepoint
   * around each record: the refused ones are dead-lettered, the rest commit.
   * Transient and database-wide errors propagate, and the caller retries the batch later.
   */
  async #writeBatch(records: readonly VoiceRecord[]): Promise<void> {
    let inserted = 0;
    try {
      inserted = await this.#db.asService((tx) => {
        const turns = new LoopYielder();
        return writeRecords(tx, records, () => turns.maybeYield());
      });
    } catch (error) {
      if (!isRecordError(error)) throw error;
      const refused: DeadLetter[] = [];
      inserted = await this.#db.asService((tx) => this.#writeEachRecord(tx, records, refused));
      await this.#reject(refused, true);
    }
    this.#written += records.length;
    this.#duplicates += records.length - inserted;
  }

  async #writeEachRecord(
    tx: Queryable,
    records: readonly VoiceRecord[],
    refused: DeadLetter[],
  ): Promise<number> {
    refused.length = 0; // the backend may run this callback again after a transient error
    let count = 0;
    const touched = new Set<string>();
    const turns = new LoopYielder();
    for (const record of records) {
      await turns.maybeYield();
      await tx.query('savepoint voice_record');
      try {
        if (await writeRecord(tx, record)) {
          count++;
          if (record.kind === 'message') touched.add(record.conversationId);
        }
        await tx.query('release savepoint voice_record');
      } catch (error) {
        if (!isRecordError(error)) throw error;
        await tx.query('rollback to savepoint voice_record');
        refused.push({ record, error });
      }
    }
    await touchConversations(tx, touched);
    return count;
  }

  // ---------------------------------------------------------------------------------------
  // Spilling and dead letters

  #overLimit(): boolean {
    return (
      (this.#queue.length > this.#options.maxQueuedRecords ||
        this.#queue.bytes > this.#options.maxQueuedBytes) &&
      Date.now() >= this.#spillBlockedUntil
    );
  }

  /** Moves the whole queue (the newest records) to the end of the spool. */
  #spill(force = false): Promise<void> {
    this.#spilling ??= this.#spillQueue(force)
      .catch((error: unknown) => this.#report(error, { phase: 'spill', records: 0 }))
      .finally(() => {
        this.#spilling = undefined;
        // Records enqueued during the append may have filled memory again.
        if (this.#overLimit() && !this.#closed) void this.#spill();
        this.#wake('idle');
      });
    return this.#spilling;
  }

  async #spillQueue(force: boolean): Promise<void> {
    if (!force && !this.#overLimit()) return;
    const entries = this.#queue.peek(this.#queue.length);
    const last = entries.at(-1);
    if (last === undefined) return;
    try {
      const unserializable = await this.#spool.append(entries.map((entry) => entry.record));
      this.#queue.dropThrough(last.seq);
      const spilled = entries.length - unserializable.length;
      this.#spilledTotal += spilled;
      this.#logger?.warn(
        { records: spilled, spooled: this.#spool.pending, path: this.#spool.path },
        'voice records: database behind, records moved to the spool on disk',
      );
      if (unserializable.length > 0) await this.#reject(unserializable);
    } catch (error) {
      this.#spillBlockedUntil = Date.now() + this.#options.spillRetryDelayMs;
      this.#report(error, { phase: 'spill', records: entries.length });
    }
  }

  /** After `close()`: no loop is left, so the record goes straight to disk. */
  #spillLate(record: VoiceRecord): void {
    try {
      const unserializable = this.#spool.appendSync([record]);
      if (unserializable.length === 0) this.#spilledTotal++;
      else void this.#reject(unserializable);
      this.#logger?.warn(
        { kind: record.kind, id: record.id },
        'voice records: record enqueued after close, spooled for the next start',
      );
    } catch (error) {
      this.#report(error, { phase: 'spill', records: 1 });
    }
  }

  /**
   * Dead-letters refused records. With `mustPersist`, a failure to write the dead-letter file
   * propagates, so the batch is retried rather than losing the records.
   */
  async #reject(entries: readonly DeadLetter[], mustPersist = false): Promise<void> {
    if (entries.length === 0) return;
    for (const entry of entries) {
      const { kind, id } = (entry.record ?? {}) as { kind?: unknown; id?: unknown };
      this.#report(entry.error, { phase: 'rejected', records: 1 }, { kind, id });
    }
    try {
      await this.#spool.deadLetter(entries);
      this.#deadLettered += entries.length;
    } catch (error) {
      this.#report(error, { phase: 'dead_letter', records: entries.length });
      if (mustPersist) throw error;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Signals

  #settled(target: number): boolean {
    return this.#ready && this.#queue.headSeq > target && this.#spool.pending === 0;
  }

  #progress(): void {
    for (const waiter of [...this.#flushWaiters]) {
      if (this.#settled(waiter.target)) waiter.resolve();
    }
  }

  /** Parks the loop until woken, or for `ms` when given; only a timer holds the event loop. */
  #wait(state: LoopState, ms?: number): Promise<void> {
    this.#state = state;
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#signal = undefined;
        this.#state = 'busy';
        resolve();
      };
      this.#signal = done;
      if (ms !== undefined) this.#timer = setTimeout(done, ms);
    });
  }

  #wake(...states: LoopState[]): void {
    if (this.#signal !== undefined && (this.#stopping || states.includes(this.#state))) {
      this.#signal();
    }
  }

  #report(
    error: unknown,
    context: RecordWriterErrorContext,
    fields: Record<string, unknown> = {},
  ): void {
    const summary = errorSummary(error);
    this.#lastError = { ...summary, at: new Date().toISOString() };
    const attempt = context.attempt ?? 1;
    // An outage fails every attempt: the first, and every tenth after, is enough at warn.
    const level =
      context.phase === 'write'
        ? attempt === 1 || attempt % 10 === 0
          ? 'warn'
          : 'debug'
        : 'error';
    this.#logger?.[level]({ err: summary, ...context, ...fields }, 'voice records: failure');
    try {
      this.#onError?.(error, context);
    } catch {
      // A broken hook must not stop the writer.
    }
  }
}
