/**
 * @module voice/limits/malformed-counter
 * Counts malformed text messages on one voice connection (unparseable JSON, unknown `type`,
 * schema violations). One bad message is answered with an `error` and the session goes on;
 * a burst of them, or too many over the session's life, means a broken or hostile client, and
 * the caller closes with 4000 (protocol error).
 *
 * @example
 * const malformed = new MalformedCounter();
 * const parsed = clientMessageSchema.safeParse(tryJson(text));
 * if (!parsed.success) {
 *   if (malformed.record(performance.now()) === 'close') return closeWith(4000, 'protocol_error');
 *   return sendError('protocol_error');
 * }
 */
import { SlidingWindowLog } from './sliding-window.js';

/** `tolerate`: report the message and carry on; `close`: close the connection with 4000. */
export type MalformedVerdict = 'tolerate' | 'close';

export interface MalformedCounterOptions {
  /** The `maxInWindow`-th malformed message within `windowMs` closes the connection. */
  maxInWindow: number;
  windowMs: number;
  /** The `maxTotal`-th malformed message over the connection's life closes it, however slow. */
  maxTotal: number;
}

export const MALFORMED_COUNTER_DEFAULTS: MalformedCounterOptions = {
  maxInWindow: 5,
  windowMs: 10_000,
  maxTotal: 10,
};

export class MalformedCounter {
  readonly options: Readonly<MalformedCounterOptions>;
  readonly #window: SlidingWindowLog;
  #total = 0;
  #closed = false;

  constructor(options: Partial<MalformedCounterOptions> = {}) {
    const resolved = { ...MALFORMED_COUNTER_DEFAULTS, ...options };
    for (const key of ['maxInWindow', 'maxTotal'] as const) {
      if (!Number.isInteger(resolved[key]) || resolved[key] < 1) {
        throw new RangeError(`${key} must be a positive integer, got ${resolved[key]}`);
      }
    }
    this.options = Object.freeze(resolved);
    // The window tolerates `maxInWindow - 1` messages; the one it refuses is the one that closes.
    this.#window = new SlidingWindowLog(resolved.maxInWindow - 1, resolved.windowMs);
  }

  /** Malformed messages recorded so far. */
  get total(): number {
    return this.#total;
  }

  /**
   * Records one malformed message at `nowMs` (monotonic ms).
   * Once it has said `close` it keeps saying so, in case the close is still under way.
   */
  record(nowMs: number): MalformedVerdict {
    this.#total++;
    if (this.#closed) return 'close';
    const burst = !this.#window.tryAdd(nowMs);
    if (burst || this.#total >= this.options.maxTotal) this.#closed = true;
    return this.#closed ? 'close' : 'tolerate';
  }

  reset(): void {
    this.#window.clear();
    this.#total = 0;
    this.#closed = false;
  }
}
