import { describe, expect, it } from 'vitest';
import { percentile, roundMs, summarize } from './stats.js';

describe('percentile', () => {
  it('is nearest-rank: every answer is a measured value', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 95)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sorted, 100)).toBe(10);
    expect(percentile([42], 99)).toBe(42);
  });

  it('has no answer without samples, and refuses nonsense percentiles', () => {
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('skips stages that did not happen and sorts what did', () => {
    expect(summarize([30, null, 10, undefined, Number.NaN, 20])).toEqual({
      n: 3,
      p50: 20,
      p95: 30,
      p99: 30,
      max: 30,
    });
  });

  it('reports nulls for no samples', () => {
    expect(summarize([])).toEqual({ n: 0, p50: null, p95: null, p99: null, max: null });
  });
});

it('roundMs keeps a tenth of a millisecond', () => {
  expect(roundMs(12.345)).toBe(12.3);
  expect(roundMs(null)).toBeNull();
});
