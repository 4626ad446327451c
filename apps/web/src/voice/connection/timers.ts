/**
 * @module voice/connection/timers
 * The clock and timers the connection uses, injected so heartbeat and reconnect logic can be
 * tested step by step without waiting and without global fake timers.
 */

export type TimerHandle = ReturnType<typeof setTimeout>;

export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const browserTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};
