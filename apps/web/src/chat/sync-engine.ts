/**
 * @module chat/sync-engine
 * Keeps the local store in step with Atlas: pulls `/v1/sync` pages from the stored cursor until
 * caught up, each page applied in one transaction. It runs on start, when the window regains
 * focus, when the browser comes back online and whenever {@link SyncEngine.requestSync} is
 * called (after each sent message). Never two pulls at once: a request during a pull queues one
 * more. Failures retry with exponential backoff and jitter. {@link SyncEngine.stop} removes
 * every listener and timer and abandons the pull in flight.
 */
import { PAGE_LIMIT_MAX, syncResponseSchema } from '@atlas/protocol';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { Logger } from '../app/logger.js';
import { applySyncPage } from './apply-sync.js';
import { type ChatDatabase, SYNC_CURSOR_KEY } from './chat-db.js';

/**
 * - `local`: showing what this device has stored; no pull has finished since start;
 * - `syncing`: a pull is running (after an earlier one finished);
 * - `synced`: the last pull caught up;
 * - `offline`: the browser is offline or Atlas cannot be reached (retrying);
 * - `error`: Atlas answered with an error (retrying with backoff).
 */
export type SyncState = 'local' | 'syncing' | 'synced' | 'offline' | 'error';

export interface SyncStatus {
  state: SyncState;
  /** The last failure, for the title/tooltip. */
  error?: ApiError;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SyncEngineOptions {
  db: ChatDatabase;
  api: Pick<ApiClient, 'json'>;
  logger?: Logger;
  /** Source of `focus`, `online` and `offline` events; defaults to `window`. */
  eventTarget?: Pick<Window, 'addEventListener' | 'removeEventListener'>;
  isOnline?: () => boolean;
  timers?: Timers;
  /** 0..1; jitter of the backoff delay. */
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  pageLimit?: number;
  /** One sync page may take this long (default 30 s) before it counts as a network failure. */
  requestTimeoutMs?: number;
}

const browserTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class SyncEngine {
  readonly #db: ChatDatabase;
  readonly #api: Pick<ApiClient, 'json'>;
  readonly #logger: Logger | undefined;
  readonly #events: Pick<Window, 'addEventListener' | 'removeEventListener'>;
  readonly #isOnline: () => boolean;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #pageLimit: number;
  readonly #requestTimeoutMs: number;
  readonly #listeners = new Set<() => void>();
  #status: SyncStatus = { state: 'local' };
  #running: Promise<void> | null = null;
  #again = false;
  #failures = 0;
  #retryTimer: unknown = null;
  #pageTimer: unknown = null;
  #abort: AbortController | null = null;
  #started = false;
  #caughtUpOnce = false;

  constructor(options: SyncEngineOptions) {
    this.#db = options.db;
    this.#api = options.api;
    this.#logger = options.logger;
    this.#events = options.eventTarget ?? window;
    this.#isOnline = options.isOnline ?? (() => navigator.onLine !== false);
    this.#timers = options.timers ?? browserTimers;
    this.#random = options.random ?? Math.random;
    this.#baseDelayMs = options.baseDelayMs ?? 1_000;
    this.#maxDelayMs = options.maxDelayMs ?? 60_000;
    this.#pageLimit = options.pageLimit ?? PAGE_LIMIT_MAX;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  get status(): SyncStatus {
    return this.#status;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): SyncStatus => this.#status;

  /** Starts following the window and pulls once; resolves when that first pull has ended. */
  start(): Promise<void> {
    if (this.#started) return this.whenIdle();
    this.#started = true;
    this.#events.addEventListener('focus', this.#onWake);
    this.#events.addEventListener('online', this.#onOnline);
    this.#events.addEventListener('offline', this.#onOffline);
    return this.requestSync();
  }

  /** Resolves once no pull is running (immediately when none is). */
  whenIdle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  stop(): void {
    if (!this.#started) return;
    this.#started = false;
    this.#events.removeEventListener('focus', this.#onWake);
    this.#events.removeEventListener('online', this.#onOnline);
    this.#events.removeEventListener('offline', this.#onOffline);
    this.#clearRetry();
    this.#clearPageTimer();
    this.#again = false;
    this.#abort?.abort();
    this.#abort = null;
  }

  /**
   * Pulls until caught up. While a pull runs, further requests are folded into one more pull
   * after it (changes made during the pull may be past the page it read). Resolves when the
   * pulls it caused have finished, failed or been stopped; never rejects.
   */
  requestSync = (): Promise<void> => {
    if (!this.#started) return Promise.resolve();
    if (this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    this.#clearRetry();
    this.#running = this.#loop().finally(() => {
      this.#running = null;
    });
    return this.#running;
  };

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      await this.#pullAll();
    } while (this.#again && this.#started);
  }

  async #pullAll(): Promise<void> {
    if (!this.#isOnline()) {
      this.#set({ state: 'offline' });
      return; // the `online` event starts the next pull
    }
    if (this.#caughtUpOnce) this.#set({ state: 'syncing' });
    const abort = new AbortController();
    this.#abort = abort;
    let timedOut = false;
    try {
      let hasMore = true;
      while (hasMore && !abort.signal.aborted) {
        const cursor = (await this.#db.meta.get(SYNC_CURSOR_KEY))?.value;
        const query = new URLSearchParams({ limit: String(this.#pageLimit) });
        if (cursor !== undefined) query.set('since', cursor);
        // A server that never answers must not hold the single pull slot forever.
        this.#pageTimer = this.#timers.setTimeout(() => {
          this.#pageTimer = null;
          timedOut = true;
          abort.abort();
        }, this.#requestTimeoutMs);
        const page = await this.#api.json(`/v1/sync?${query}`, syncResponseSchema, {
          signal: abort.signal,
        });
        this.#clearPageTimer();
        if (abort.signal.aborted) break;
        await applySyncPage(this.#db, page);
        hasMore = page.hasMore;
      }
      if (abort.signal.aborted) throw abort.signal.reason;
      this.#failures = 0;
      this.#caughtUpOnce = true;
      this.#set({ state: 'synced' });
    } catch (thrown) {
      if (timedOut) this.#fail(new ApiError('network', 'Atlas did not answer in time.'));
      else if (!abort.signal.aborted) this.#fail(ApiError.fromThrown(thrown));
    } finally {
      this.#clearPageTimer();
      if (this.#abort === abort) this.#abort = null;
    }
  }

  #clearPageTimer(): void {
    if (this.#pageTimer === null) return;
    this.#timers.clearTimeout(this.#pageTimer);
    this.#pageTimer = null;
  }

  #fail(error: ApiError): void {
    this.#failures += 1;
    const offline = error.code === 'offline' || error.code === 'network';
    this.#set({ state: offline ? 'offline' : 'error', error });
    const exponential = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (this.#failures - 1));
    // The server's retry-after wins; jitter (50–100 %) keeps many tabs from retrying in step.
    const delay = Math.max(
      (error.retryAfterSeconds ?? 0) * 1000,
      exponential * (0.5 + this.#random() / 2),
    );
    this.#logger?.warn('sync failed; retrying', { code: error.code, delayMs: Math.round(delay) });
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = null;
      void this.requestSync();
    }, delay);
  }

  #clearRetry(): void {
    if (this.#retryTimer === null) return;
    this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #onWake = () => {
    void this.requestSync();
  };

  #onOnline = () => {
    // Back online: retry now, not when the backoff would have.
    this.#failures = 0;
    void this.requestSync();
  };

  #onOffline = () => {
    this.#set({ state: 'offline' });
  };

  #set(status: SyncStatus): void {
    if (status.state === this.#status.state && status.error === this.#status.error) return;
    this.#status = status;
    for (const listener of this.#listeners) listener();
  }
}
