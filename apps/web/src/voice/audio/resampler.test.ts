import { describe, expect, it } from 'vitest';
import { StreamingResampler } from './resampler.js';

const sine = (frequency: number, rate: number, count: number, start = 0) =>
  Float32Array.from({ length: count }, (_, i) =>
    Math.sin((2 * Math.PI * frequency * (start + i)) / rate),
  );

function runInChunks(
  resampler: StreamingResampler,
  input: Float32Array,
  sizes: number[],
): Float32Array {
  const parts: number[] = [];
  let offset = 0;
  let i = 0;
  while (offset < input.length) {
    const size = sizes[i++ % sizes.length] ?? 128;
    parts.push(...resampler.process(input.subarray(offset, offset + size)));
    offset += size;
  }
  return Float32Array.from(parts);
}

const rmsOf = (samples: Float32Array) =>
  Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length);

describe('StreamingResampler', () => {
  it('turns a 1 kHz sine at 48 kHz into the same sine at 16 kHz, sample for sample', () => {
    const resampler = new StreamingResampler(48_000, 16_000);
    const out = runInChunks(resampler, sine(1_000, 48_000, 48_000), [128]);
    // One second in: a third as many samples, minus the filter's look-ahead.
    expect(out.length).toBeGreaterThan(15_900);
    expect(out.length).toBeLessThanOrEqual(16_000);
    const expected = sine(1_000, 16_000, out.length);
    // Past the start-up (the filter assumes silence before the first sample) every sample matches.
    let worst = 0;
    for (let i = 100; i < out.length; i++)
      worst = Math.max(worst, Math.abs((out[i] ?? 0) - (expected[i] ?? 0)));
    expect(worst).toBeLessThan(2e-3);
  });

  it('filters out a tone above the new Nyquist frequency instead of folding it back', () => {
    // 12 kHz at 48 kHz would alias to 4 kHz at full strength with plain decimation.
    const resampler = new StreamingResampler(48_000, 16_000);
    const out = runInChunks(resampler, sine(12_000, 48_000, 48_000), [128]);
    expect(rmsOf(out.subarray(200))).toBeLessThan(0.01);
  });

  it('handles a context rate that is not a multiple of 16 kHz (44.1 kHz)', () => {
    const resampler = new StreamingResampler(44_100, 16_000);
    const out = runInChunks(resampler, sine(440, 44_100, 44_100), [128]);
    const expected = sine(440, 16_000, out.length);
    let worst = 0;
    for (let i = 100; i < out.length; i++)
      worst = Math.max(worst, Math.abs((out[i] ?? 0) - (expected[i] ?? 0)));
    expect(worst).toBeLessThan(5e-3);
    expect(Math.abs(out.length - 16_000)).toBeLessThan(40);
  });

  it('gives the same output however the input is split into calls', () => {
    const input = sine(700, 48_000, 20_000);
    const whole = new StreamingResampler(48_000, 16_000).process(input);
    const pieces = runInChunks(
      new StreamingResampler(48_000, 16_000),
      input,
      [1, 7, 128, 333, 2, 4_096],
    );
    expect(pieces.length).toBe(whole.length);
    expect(Array.from(pieces)).toEqual(Array.from(whole));
  });

  it('keeps no more history than the filter needs over a long stream', () => {
    const resampler = new StreamingResampler(48_000, 16_000);
    const block = sine(300, 48_000, 128);
    let produced = 0;
    for (let i = 0; i < 5_000; i++) produced += resampler.process(block).length;
    // 5,000 blocks of 128 at a third: every output is accounted for.
    expect(Math.abs(produced - (5_000 * 128) / 3)).toBeLessThan(60);
  });

  it('refuses rates that are not positive numbers', () => {
    expect(() => new StreamingResampler(0, 16_000)).toThrow(RangeError);
    expect(() => new StreamingResampler(48_000, Number.NaN)).toThrow(RangeError);
  });
});
