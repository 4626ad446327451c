/**
 * @module voice/call/reply-watchdog
 * How long the client waits for a reply before telling the user it gave up (the protocol's
 * "client playback wait"): 30 s after the end of a turn for a new reply, 10 s after a resumed
 * session for the reply that was in flight. Any sign of the reply (text, audio, its end, an
 * interruption) settles the wait.
 */
import type { TimerHandle, Timers } from '../connection/timers.js';

export const REPLY_WAIT_MS = { newReply: 30_000, resumed: 10_000 } as const;

export class ReplyWatchdog {
  readonly #timers: Timers;
  readonly #onGiveUp: () => void;
  #timer: TimerHandle | undefined;

  constructor(timers: Timers, onGiveUp: () => void) {
    this.#timers = timers;
    this.#onGiveUp = onGiveUp;
  }

  get waiting(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts (or restarts) the wait. */
  expect(ms: number): void {
    this.settle();
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#onGiveUp();
    }, ms);
  }

  settle(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
