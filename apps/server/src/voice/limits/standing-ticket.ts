/**
 * @module voice/limits/standing-ticket
 * Keeps one live session's resume ticket current, so the session can be resumed even if its
 * instance dies without a word (SIGKILL, a lost host): saved at start, refreshed after every
 * turn and on a timer well within its TTL (the resume window), released on an orderly end and
 * replaced by the final ticket on an unexpected drop.
 *
 * Every write is a compare-and-set on the session's owner ({@link ResumeStore.checkpoint}). If
 * the client resumed elsewhere while this run still thinks it is live (a half-open connection),
 * the next refresh fails and `onTaken` fires: the caller ends the run quietly, leaving the
 * ticket, the session row and the session slot to the new owner.
 *
 * Writes never overlap (a newer state can never be overwritten by an older one still in
 * flight) and nothing here is on the audio path: refreshes are per turn and per timer tick.
 *
 * @example
 * const ticket = new StandingTicket({ store, sessionId, userId, owner, ttlMs: 60_000,
 *   intervalMs: 15_000, state: () => snapshot(), onTaken: () => endQuietly(), onError: warn });
 * ticket.start();
 * // after each turn:
 * ticket.refresh();
 * // at the end (after the last turn settled):
 * const outcome = unexpected ? await ticket.final() : await ticket.release();
 */
import type { ResumeStore } from './resume-store.js';

export interface StandingTicketOptions<S> {
  store: ResumeStore<S>;
  sessionId: string;
  userId: string;
  /** This run of the session (unique per run; a resume is a new run). */
  owner: string;
  /** How long the ticket lives without a refresh: the resume window. */
  ttlMs: number;
  /** Refresh period; must be well below `ttlMs` (a third leaves room for two failures). */
  intervalMs: number;
  /** The state to save, read at the moment of each write. */
  state(): S;
  /** Another run owns the session now; called once, never after `final` / `release`. */
  onTaken(): void;
  /** A write failed (e.g. the store is unreachable); the next refresh tries again. */
  onError(error: unknown): void;
}

/**
 * How an end went: `kept` (this run owned the session to the end), `taken` (another run owns
 * it: leave everything to it) or `unknown` (the store could not be reached).
 */
export type TicketEndOutcome = 'kept' | 'taken' | 'unknown';

export class StandingTicket<S> {
  readonly #o: StandingTicketOptions<S>;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #writeAgain = false;
  #taken = false;
  #stopped = false;

  constructor(options: StandingTicketOptions<S>) {
    if (!(options.intervalMs > 0) || !(options.intervalMs < options.ttlMs)) {
      throw new RangeError(
        `intervalMs must be positive and below ttlMs (${options.ttlMs}), got ${options.intervalMs}`,
      );
    }
    this.#o = options;
  }

  /** True once another run took the session over. */
  get taken(): boolean {
    return this.#taken;
  }

  /** Saves the first ticket and starts the timer. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.refresh();
    this.#timer = setInterval(() => this.refresh(), this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Saves the current state soon. Never throws; a call during a write is folded into one more. */
  refresh(): void {
    if (this.#stopped || this.#taken) return;
    if (this.#writing !== undefined) {
      this.#writeAgain = true;
      return;
    }
    this.#writing = this.#write().finally(() => {
      this.#writing = undefined;
      if (this.#writeAgain) {
        this.#writeAgain = false;
        this.refresh();
      }
    });
  }

  /** An unexpected drop: stops refreshing and saves the final ticket for the resume window. */
  final(): Promise<TicketEndOutcome> {
    return this.#end(() => {
      const { store, sessionId, userId, owner, ttlMs, state } = this.#o;
      return store.checkpoint({ sessionId, userId, state: state() }, owner, ttlMs);
    });
  }

  /** An orderly end: stops refreshing and drops the ticket, so nobody resumes an ended call. */
  release(): Promise<TicketEndOutcome> {
    return this.#end(() => {
      const { store, sessionId, userId, owner, ttlMs } = this.#o;
      return store.release(sessionId, userId, owner, ttlMs);
    });
  }

  /** Stops the timer without a last write (for a run that was taken over). Idempotent. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #end(write: () => Promise<boolean>): Promise<TicketEndOutcome> {
    this.stop();
    while (this.#writing !== undefined) await this.#writing;
    if (this.#taken) return 'taken';
    try {
      if (await write()) return 'kept';
      this.#taken = true;
      return 'taken';
    } catch (error) {
      this.#o.onError(error);
      return 'unknown';
    }
  }

  async #write(): Promise<void> {
    const { store, sessionId, userId, owner, ttlMs, state } = this.#o;
    try {
      const kept = await store.checkpoint({ sessionId, userId, state: state() }, owner, ttlMs);
      if (kept || this.#taken) return;
      this.#taken = true;
      const ending = this.#stopped;
      this.stop();
      // An end in progress learns it from its own last write; only a live run is told.
      if (!ending) this.#o.onTaken();
    } catch (error) {
      this.#o.onError(error);
    }
  }
}
