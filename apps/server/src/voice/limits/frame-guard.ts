/**
 * @module voice/limits/frame-guard
 * Per-connection checks on binary audio frames: size (100 B to 100 KiB, even length, so PCM16
 * samples are never split) and rate (at most 100 frames/s sustained over a 2 s window, i.e.
 * no more than 200 frames in any 2 s). It runs once per audio frame, so `check` is
 * synchronous, O(1) and allocates nothing: the verdicts are string literals and the rate
 * window is a ring allocated once in the constructor.
 *
 * @example
 * const guard = new FrameGuard();
 * socket.on('message', (data, isBinary) => {
 *   if (!isBinary) return;
 *   const verdict = guard.check(data.byteLength, performance.now());
 *   if (verdict === 'bad_size') return sendError('bad_audio_chunk'); // dropped, session goes on
 *   if (verdict === 'rate_limited') return closeWith(4029, 'rate_limited');
 *   stt.pushFrame(data);
 * });
 */
import { VOICE_DEFAULTS } from '@atlas/protocol';
import { SlidingWindowLog } from './sliding-window.js';

/** `ok`: pass the frame on; `bad_size`: drop it and report `bad_audio_chunk`; `rate_limited`: close 4029. */
export type FrameVerdict = 'ok' | 'bad_size' | 'rate_limited';

export interface FrameGuardOptions {
  /** Smallest accepted frame in bytes. */
  minFrameBytes: number;
  /** Largest accepted frame in bytes. */
  maxFrameBytes: number;
  /** Sustained rate allowed; the burst allowance is this times the window. */
  maxFramesPerSecond: number;
  /** Length of the sliding window the rate is measured over. */
  rateWindowMs: number;
}

export const FRAME_GUARD_DEFAULTS: FrameGuardOptions = {
  minFrameBytes: VOICE_DEFAULTS.minFrameBytes,
  maxFrameBytes: VOICE_DEFAULTS.maxFrameBytes,
  maxFramesPerSecond: VOICE_DEFAULTS.maxFramesPerSecond,
  rateWindowMs: VOICE_DEFAULTS.rateWindowMs,
};

export class FrameGuard {
  readonly options: Readonly<FrameGuardOptions>;
  readonly #minBytes: number;
  readonly #maxBytes: number;
  readonly #window: SlidingWindowLog;

  constructor(options: Partial<FrameGuardOptions> = {}) {
    const resolved = { ...FRAME_GUARD_DEFAULTS, ...options };
    const { minFrameBytes, maxFrameBytes, maxFramesPerSecond, rateWindowMs } = resolved;
    if (!Number.isInteger(minFrameBytes) || minFrameBytes < 1) {
      throw new RangeError(`minFrameBytes must be a positive integer, got ${minFrameBytes}`);
    }
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < minFrameBytes) {
      throw new RangeError(
        `maxFrameBytes must be an integer >= minFrameBytes, got ${maxFrameBytes}`,
      );
    }
    const perWindow = Math.floor((maxFramesPerSecond * rateWindowMs) / 1_000);
    if (!(perWindow >= 1)) {
      throw new RangeError(
        `maxFramesPerSecond × rateWindowMs must allow at least one frame per window (got ${maxFramesPerSecond}/s over ${rateWindowMs} ms)`,
      );
    }
    this.options = Object.freeze(resolved);
    this.#minBytes = minFrameBytes;
    this.#maxBytes = maxFrameBytes;
    this.#window = new SlidingWindowLog(perWindow, rateWindowMs);
  }

  /** Frames allowed in any one window (200 with the defaults). */
  get maxFramesPerWindow(): number {
    return this.#window.capacity;
  }

  /**
   * Judges one binary frame.
   *
   * @param byteLength - the frame's size in bytes.
   * @param nowMs - a monotonic time in ms (`performance.now()`): a wall clock stepping back
   *   would make recent frames look like a burst.
   * @remarks Every frame the client sends counts toward the rate, well-formed or not, so a
   *   flood of junk frames is rate limited too. Frames refused as `rate_limited` are not
   *   counted; the caller is expected to close the session on the first one anyway.
   */
  check(byteLength: number, nowMs: number): FrameVerdict {
    if (!this.#window.tryAdd(nowMs)) return 'rate_limited';
    // The `!(… >= …)` forms also reject NaN.
    if (!(byteLength >= this.#minBytes && byteLength <= this.#maxBytes) || byteLength % 2 !== 0) {
      return 'bad_size';
    }
    return 'ok';
  }

  /** Forgets the rate history (e.g. when a resumed session starts on a fresh connection). */
  reset(): void {
    this.#window.clear();
  }
}
