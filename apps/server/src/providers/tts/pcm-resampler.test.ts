import { describe, expect, it } from 'vitest';
import { bytesToSamples, PcmResampler, resamplePcm16 } from './pcm-resampler.js';

function sine(frequency: number, rate: number, samples: number, amplitude = 10_000): Int16Array {
  const out = new Int16Array(samples);
  for (let n = 0; n < samples; n++) {
    out[n] = Math.round(amplitude * Math.sin((2 * Math.PI * frequency * n) / rate));
  }
  return out;
}

function rms(samples: Int16Array, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] ?? 0) ** 2;
  return Math.sqrt(sum / (to - from));
}

/** Frequency estimated from upward zero crossings (interpolated) between two sample indices. */
function zeroCrossingFrequency(
  samples: Int16Array,
  rate: number,
  from: number,
  to: number,
): number {
  const crossings: number[] = [];
  for (let i = from; i < to - 1; i++) {
    const a = samples[i] ?? 0;
    const b = samples[i + 1] ?? 0;
    if (a < 0 && b >= 0) crossings.push(i + -a / (b - a));
  }
  const first = crossings[0] ?? 0;
  const last = crossings.at(-1) ?? 0;
  return ((crossings.length - 1) * rate) / (last - first);
}

describe('PcmResampler', () => {
  it('turns a 1 kHz sine at 22 050 Hz into the same sine at 24 000 Hz, sample for sample', () => {
    const input = sine(1000, 22_050, 22_050);
    const output = resamplePcm16(input, 22_050, 24_000);
    expect(output.length).toBe(24_000);
    const expected = sine(1000, 24_000, 24_000);
    // Away from the edges (where the window meets silence) every sample matches closely.
    let worst = 0;
    for (let n = 100; n < 23_900; n++) {
      worst = Math.max(worst, Math.abs((output[n] ?? 0) - (expected[n] ?? 0)));
    }
    expect(worst).toBeLessThan(60); // < 0.6 % of the amplitude
    expect(zeroCrossingFrequency(output, 24_000, 100, 23_900)).toBeCloseTo(1000, 0);
  });

  it('keeps frequency and level going down to 16 kHz', () => {
    const input = sine(440, 22_050, 44_100);
    const output = resamplePcm16(input, 22_050, 16_000);
    expect(output.length).toBe(32_000);
    expect(zeroCrossingFrequency(output, 16_000, 200, 31_800)).toBeCloseTo(440, 0);
    expect(rms(output, 200, 31_800) / rms(input, 200, 43_900)).toBeCloseTo(1, 1);
  });

  it('filters out what the lower rate cannot carry instead of aliasing it', () => {
    // 10 kHz fits under 22 050 Hz's Nyquist but not under 16 kHz's (8 kHz): it must vanish.
    const input = sine(10_000, 22_050, 22_050);
    const output = resamplePcm16(input, 22_050, 16_000);
    expect(rms(output, 200, output.length - 200)).toBeLessThan(rms(input) * 0.02);
  });

  it('gives the same samples whether fed at once or in odd-sized chunks', () => {
    const input = sine(700, 22_050, 10_000);
    const whole = resamplePcm16(input, 22_050, 24_000);
    const resampler = new PcmResampler(22_050, 24_000);
    const parts: number[] = [];
    for (let offset = 0; offset < input.length; offset += 777) {
      parts.push(...resampler.push(input.subarray(offset, offset + 777)));
    }
    parts.push(...resampler.flush());
    expect(parts).toEqual([...whole]);
  });

  it('keeps a constant constant and copies when the rates match', () => {
    const constant = new Int16Array(5000).fill(1234);
    const output = resamplePcm16(constant, 48_000, 16_000);
    expect(output.length).toBe(Math.ceil(5000 / 3));
    expect(output[800]).toBe(1234);
    expect([...resamplePcm16(constant, 16_000, 16_000)]).toEqual([...constant]);
  });

  it('reads PCM16 LE bytes at any offset', () => {
    const bytes = new Uint8Array([0, 0x34, 0x12, 0xff, 0xff]);
    expect([...bytesToSamples(bytes.subarray(1))]).toEqual([0x1234, -1]);
  });
});
