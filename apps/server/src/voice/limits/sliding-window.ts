/**
 * @module voice/limits/sliding-window
 * A sliding-window event log over a fixed-size ring of timestamps: "at most `capacity` events
 * in any `windowMs`". It backs the per-frame rate limit, so it never allocates after
 * construction and every operation is O(1).
 *
 * @internal Used by {@link FrameGuard} and {@link MalformedCounter}; not part of the barrel.
 */
export class SlidingWindowLog {
  readonly capacity: number;
  readonly windowMs: number;
  readonly #times: Float64Array;
  /** Next slot to write; once the ring is full it is also the oldest timestamp. */
  #head = 0;
  #size = 0;

  constructor(capacity: number, windowMs: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`capacity must be a non-negative integer, got ${capacity}`);
    }
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
    this.capacity = capacity;
    this.windowMs = windowMs;
    this.#times = new Float64Array(capacity);
  }

  /**
   * Records an event at `nowMs` unless `capacity` events already fall inside
   * `(nowMs - windowMs, nowMs]`. Refused events are not recorded, so a client that backs off
   * for one window is let through again however hard it pushed before.
   *
   * @returns whether the event was recorded (false: over the limit).
   */
  tryAdd(nowMs: number): boolean {
    const capacity = this.capacity;
    if (capacity === 0) return false;
    if (this.#size === capacity) {
      // Only the oldest of the last `capacity` events matters: if it is still inside the
      // window, this event would be number `capacity + 1` in it.
      const oldest = this.#times[this.#head] ?? Number.NEGATIVE_INFINITY;
      if (nowMs - oldest < this.windowMs) return false;
    } else {
      this.#size++;
    }
    this.#times[this.#head] = nowMs;
    this.#head = this.#head + 1 === capacity ? 0 : this.#head + 1;
    return true;
  }

  /** Forgets every recorded event. */
  clear(): void {
    this.#head = 0;
    this.#size = 0;
  }
}
