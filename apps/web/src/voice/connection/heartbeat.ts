/**
 * @module voice/connection/heartbeat
 * The application heartbeat: a `ping` every 30 s; if its `pong` has not come back within 10 s
 * the connection is declared dead (a half-open socket can look open for minutes otherwise).
 */
import { VOICE_DEFAULTS } from '@atlas/protocol';
import type { TimerHandle, Timers } from './timers.js';

export interface HeartbeatOptions {
  timers: Timers;
  sendPing: (id: number) => void;
  onDead: () => void;
  intervalMs?: number;
  timeoutMs?: number;
}

export class Heartbeat {
  readonly #options: HeartbeatOptions;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  #nextPing: TimerHandle | undefined;
  #deadline: TimerHandle | undefined;
  #lastId = 0;
  #awaiting: number | undefined;

  constructor(options: HeartbeatOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? VOICE_DEFAULTS.pingIntervalMs;
    this.#timeoutMs = options.timeoutMs ?? VOICE_DEFAULTS.pongTimeoutMs;
  }

  start(): void {
    this.stop();
    this.#schedulePing();
  }

  /** A pong arrived: the connection is alive if it answers the outstanding ping. */
  onPong(id: number): void {
    if (this.#awaiting !== id) return;
    this.#awaiting = undefined;
    if (this.#deadline !== undefined) this.#options.timers.clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }

  stop(): void {
    const { timers } = this.#options;
    if (this.#nextPing !== undefined) timers.clearTimeout(this.#nextPing);
    if (this.#deadline !== undefined) timers.clearTimeout(this.#deadline);
    this.#nextPing = undefined;
    this.#deadline = undefined;
    this.#awaiting = undefined;
  }

  #schedulePing(): void {
    const { timers } = this.#options;
    this.#nextPing = timers.setTimeout(() => {
      this.#lastId += 1;
      const id = this.#lastId;
      // A late pong for an older ping does not clear the newest deadline.
      if (this.#awaiting === undefined) {
        this.#deadline = timers.setTimeout(() => {
          this.stop();
          this.#options.onDead();
        }, this.#timeoutMs);
      }
      this.#awaiting = id;
      this.#options.sendPing(id);
      this.#schedulePing();
    }, this.#intervalMs);
  }
}
