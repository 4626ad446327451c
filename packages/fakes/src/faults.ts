/**
 * @module faults
 * Faults a fake server injects, one per request (or connection) in the order queued: the tests
 * say "the next two requests get 529, then succeed".
 */
export type Fault =
  /** Answer with this HTTP status and the vendor's error body (`retry-after` in seconds). */
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds?: number }
  /** Start streaming, then destroy the socket after this many chunks/events. */
  | { readonly kind: 'cut'; readonly afterChunks: number }
  /** Accept the request and never answer (tests the client's timeout). */
  | { readonly kind: 'hang' }
  /** WebSocket servers: close with this code (e.g. 1011) after this many audio frames. */
  | {
      readonly kind: 'ws_close';
      readonly code: number;
      readonly reason?: string;
      readonly afterFrames: number;
    };

export class FaultQueue {
  readonly #queue: Fault[] = [];
  /** Faults consumed so far (what the server actually did). */
  readonly injected: Fault[] = [];

  push(...faults: Fault[]): this {
    this.#queue.push(...faults);
    return this;
  }

  /** The fault for the next request, if any. */
  next(): Fault | undefined {
    const fault = this.#queue.shift();
    if (fault) this.injected.push(fault);
    return fault;
  }

  get pending(): number {
    return this.#queue.length;
  }

  clear(): void {
    this.#queue.length = 0;
  }
}
