/**
 * @module voice/records/loop-yield
 * Gives the event loop a turn during long runs of database work. With the embedded PGlite,
 * a query runs on this thread and its promise settles at once, so a batch of awaited inserts
 * never yields: a 100-record transaction held every call's audio, transcripts and timers for
 * its whole duration (measured at 250 ms on a busy 2-core machine). With PostgreSQL the queries
 * already wait on the network and the check costs nothing.
 *
 * @example
 * const turns = new LoopYielder();
 * for (const record of batch) {
 *   await writeRecord(tx, record);
 *   await turns.maybeYield();
 * }
 */

/** Synchronous work allowed between two turns of the event loop, ms. */
export const DEFAULT_YIELD_BUDGET_MS = 4;

export class LoopYielder {
  readonly #budgetMs: number;
  readonly #now: () => number;
  #since: number;

  constructor(budgetMs = DEFAULT_YIELD_BUDGET_MS, now: () => number = () => performance.now()) {
    this.#budgetMs = budgetMs;
    this.#now = now;
    this.#since = now();
  }

  /** Yields (lets I/O and timers run) once the budget is spent; otherwise returns at once. */
  async maybeYield(): Promise<void> {
    if (this.#now() - this.#since < this.#budgetMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#since = this.#now();
  }
}
