import { describe, expect, it } from 'vitest';
import { FrameGuard } from './frame-guard.js';

describe('FrameGuard sizes', () => {
  it.each([
    [0, 'bad_size'],
    [98, 'bad_size'],
    [99, 'bad_size'],
    [100, 'ok'],
    [101, 'bad_size'],
    [3_199, 'bad_size'],
    [3_200, 'ok'],
    [102_400, 'ok'],
    [102_401, 'bad_size'],
    [102_402, 'bad_size'],
    [Number.NaN, 'bad_size'],
  ] as const)('%d bytes → %s', (bytes, verdict) => {
    expect(new FrameGuard().check(bytes, 0)).toBe(verdict);
  });

  it('honours configured bounds', () => {
    const guard = new FrameGuard({ minFrameBytes: 320, maxFrameBytes: 640 });
    expect(guard.check(318, 0)).toBe('bad_size');
    expect(guard.check(320, 0)).toBe('ok');
    expect(guard.check(640, 0)).toBe('ok');
    expect(guard.check(642, 0)).toBe('bad_size');
  });

  it('rejects impossible options', () => {
    expect(() => new FrameGuard({ minFrameBytes: 0 })).toThrow(RangeError);
    expect(() => new FrameGuard({ minFrameBytes: 200, maxFrameBytes: 100 })).toThrow(RangeError);
    expect(() => new FrameGuard({ maxFramesPerSecond: 0 })).toThrow(RangeError);
    expect(() => new FrameGuard({ rateWindowMs: 0 })).toThrow(RangeError);
  });
});

describe('FrameGuard rate', () => {
  /** Sends `count` frames `stepMs` apart from `startMs`; returns the verdicts. */
  function send(guard: FrameGuard, count: number, startMs: number, stepMs: number) {
    return Array.from({ length: count }, (_, i) => guard.check(3_200, startMs + i * stepMs));
  }

  it('allows 200 frames in 2 s, limits the 201st, and recovers once the window has passed', () => {
    const guard = new FrameGuard();
    expect(guard.maxFramesPerWindow).toBe(200);
    // 200 frames at 0, 5, …, 995 ms: a burst, but within the 2 s allowance.
    expect(send(guard, 200, 0, 5).every((v) => v === 'ok')).toBe(true);
    expect(guard.check(3_200, 1_999)).toBe('rate_limited');
    expect(guard.check(3_200, 1_999)).toBe('rate_limited');
    // At 2000 ms the first frame (0 ms) has left the window: one more fits.
    expect(guard.check(3_200, 2_000)).toBe('ok');
    expect(guard.check(3_200, 2_000)).toBe('rate_limited');
    // After a quiet window everything is accepted again.
    expect(send(guard, 200, 4_000, 1).every((v) => v === 'ok')).toBe(true);
  });

  it('allows 100 frames/s sustained indefinitely, and limits 101/s within a few seconds', () => {
    const steady = new FrameGuard();
    expect(send(steady, 2_000, 0, 10).every((v) => v === 'ok')).toBe(true);

    const tooFast = new FrameGuard();
    const verdicts = send(tooFast, 1_000, 0, 1_000 / 101);
    expect(verdicts.slice(0, 200).every((v) => v === 'ok')).toBe(true);
    expect(verdicts.indexOf('rate_limited')).toBe(200);
  });

  it('counts malformed frames toward the rate too', () => {
    const guard = new FrameGuard();
    expect(send(guard, 200, 0, 1).length).toBe(200);
    expect(guard.check(7, 300)).toBe('rate_limited');
  });

  it('uses the configured window and resets', () => {
    const guard = new FrameGuard({ maxFramesPerSecond: 2, rateWindowMs: 1_000 });
    expect(send(guard, 3, 0, 100)).toEqual(['ok', 'ok', 'rate_limited']);
    guard.reset();
    expect(guard.check(3_200, 300)).toBe('ok');
  });

  it('keeps guards independent', () => {
    const a = new FrameGuard({ maxFramesPerSecond: 1, rateWindowMs: 1_000 });
    const b = new FrameGuard({ maxFramesPerSecond: 1, rateWindowMs: 1_000 });
    expect(a.check(3_200, 0)).toBe('ok');
    expect(b.check(3_200, 0)).toBe('ok');
    expect(a.check(3_200, 1)).toBe('rate_limited');
  });
});
