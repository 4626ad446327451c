/**
 * @module voice/testing/manual-timers
 * A hand-driven clock for tests: timers fire only when `advance()` moves time past them, and
 * `pending` shows what is still scheduled (a cleanup test expects none).
 */
import type { TimerHandle, Timers } from '../connection/timers.js';

interface Scheduled {
  at: number;
  callback: () => void;
}

export class ManualTimers implements Timers {
  #now = 0;
  #nextId = 1;
  readonly #scheduled = new Map<number, Scheduled>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#scheduled.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#scheduled.delete(handle as unknown as number);
  }

  get pending(): number {
    return this.#scheduled.size;
  }

  /** Delays of the timers still scheduled, relative to now, soonest first. */
  get pendingDelays(): number[] {
    return [...this.#scheduled.values()].map((timer) => timer.at - this.#now).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: [number, Scheduled] | undefined;
      for (const entry of this.#scheduled) {
        if (entry[1].at <= target && (next === undefined || entry[1].at < next[1].at)) next = entry;
      }
      if (next === undefined) break;
      this.#scheduled.delete(next[0]);
      this.#now = next[1].at;
      next[1].callback();
    }
    this.#now = target;
  }
}
