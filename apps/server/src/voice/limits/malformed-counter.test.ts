import { describe, expect, it } from 'vitest';
import { MalformedCounter } from './malformed-counter.js';

describe('MalformedCounter', () => {
  it('closes on the 5th malformed message within 10 s', () => {
    const counter = new MalformedCounter();
    const verdicts = [0, 1_000, 2_000, 3_000, 4_000].map((t) => counter.record(t));
    expect(verdicts).toEqual(['tolerate', 'tolerate', 'tolerate', 'tolerate', 'close']);
  });

  it('forgives a slow trickle until the 10th in total', () => {
    const counter = new MalformedCounter();
    // One every 3 s: never 5 within 10 s.
    const verdicts = Array.from({ length: 10 }, (_, i) => counter.record(i * 3_000));
    expect(verdicts.slice(0, 9).every((v) => v === 'tolerate')).toBe(true);
    expect(verdicts[9]).toBe('close');
    expect(counter.total).toBe(10);
  });

  it('stays closed once it said so, until reset', () => {
    const counter = new MalformedCounter({ maxInWindow: 2, windowMs: 1_000, maxTotal: 100 });
    expect(counter.record(0)).toBe('tolerate');
    expect(counter.record(10)).toBe('close');
    expect(counter.record(50_000)).toBe('close');
    counter.reset();
    expect(counter.total).toBe(0);
    expect(counter.record(60_000)).toBe('tolerate');
  });

  it('supports closing on the first one, and rejects impossible thresholds', () => {
    expect(new MalformedCounter({ maxInWindow: 1 }).record(0)).toBe('close');
    expect(new MalformedCounter({ maxTotal: 1 }).record(0)).toBe('close');
    expect(() => new MalformedCounter({ maxInWindow: 0 })).toThrow(RangeError);
    expect(() => new MalformedCounter({ maxTotal: 2.5 })).toThrow(RangeError);
    expect(() => new MalformedCounter({ windowMs: 0 })).toThrow(RangeError);
  });
});
