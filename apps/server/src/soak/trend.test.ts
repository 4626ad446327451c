import { describe, expect, it } from 'vitest';
import { judgeTrend, linearSlope, secondHalf, type TrendPoint } from './trend.js';

const line = (slope: number, intercept: number, minutes: number[]): TrendPoint[] =>
  minutes.map((m) => ({ minutes: m, value: intercept + slope * m }));

describe('linearSlope', () => {
  it('recovers the slope of a straight line', () => {
    expect(linearSlope(line(3, 10, [0, 1, 2, 5, 9]))).toBeCloseTo(3, 10);
    expect(linearSlope(line(-0.5, 100, [1, 2, 3]))).toBeCloseTo(-0.5, 10);
  });

  it('fits the least-squares line through noise', () => {
    const points = [
      { minutes: 0, value: 1 },
      { minutes: 1, value: 3 },
      { minutes: 2, value: 2 },
      { minutes: 3, value: 4 },
    ];
    // Σ(x-x̄)(y-ȳ) = 4, Σ(x-x̄)² = 5.
    expect(linearSlope(points)).toBeCloseTo(0.8, 10);
  });

  it('has no trend with fewer than two points or no spread in time', () => {
    expect(linearSlope([])).toBe(0);
    expect(linearSlope([{ minutes: 1, value: 5 }])).toBe(0);
    expect(linearSlope(line(0, 7, [2, 2, 2]).map((p, i) => ({ ...p, value: i })))).toBe(0);
  });
});

describe('secondHalf', () => {
  it('keeps the later half, the middle point included', () => {
    expect(secondHalf([1, 2, 3, 4])).toEqual([3, 4]);
    expect(secondHalf([1, 2, 3, 4, 5])).toEqual([3, 4, 5]);
    expect(secondHalf([])).toEqual([]);
  });
});

describe('judgeTrend', () => {
  const rule = { metric: 'rss', unit: 'MiB', maxSlopePerMinute: 2 };
  const minutes = Array.from({ length: 20 }, (_, i) => i / 2);

  it('calls a series flat when its second half grows slower than the threshold', () => {
    const verdict = judgeTrend(rule, line(1.5, 300, minutes));
    expect(verdict).toMatchObject({ metric: 'rss', points: 10, flat: true });
    expect(verdict.slopePerMinute).toBeCloseTo(1.5, 10);
  });

  it('calls a series growing when its second half grows faster than the threshold', () => {
    expect(judgeTrend(rule, line(2.5, 300, minutes)).flat).toBe(false);
  });

  it('ignores warm-up growth in the first half', () => {
    const warmUpThenFlat = minutes.map((m) => ({ minutes: m, value: m < 5 ? 100 + 50 * m : 350 }));
    expect(judgeTrend(rule, warmUpThenFlat)).toMatchObject({ slopePerMinute: 0, flat: true });
  });

  it('never passes a series too short to judge', () => {
    expect(judgeTrend(rule, line(0, 1, [0, 1, 2, 3])).flat).toBe(false);
    expect(judgeTrend(rule, line(0, 1, [0, 1, 2, 3, 4, 5])).flat).toBe(true);
  });
});
