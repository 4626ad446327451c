import { describe, expect, it } from 'vitest';
import { frameDurationMs, isSpeechFrame } from './speech-energy.js';

function frame(amplitude: number): Uint8Array {
  const bytes = new Uint8Array(3_200);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 1_600; i++)
    view.setInt16(i * 2, Math.round(amplitude * Math.sin(i / 3)), true);
  return bytes;
}

describe('isSpeechFrame', () => {
  it('hears speech-level audio, not silence or a low hum', () => {
    expect(isSpeechFrame(frame(8_000))).toBe(true);
    expect(isSpeechFrame(frame(-8_000))).toBe(true);
    expect(isSpeechFrame(new Uint8Array(3_200))).toBe(false);
    expect(isSpeechFrame(frame(300))).toBe(false);
  });

  it('reads negative samples correctly', () => {
    const loudNegative = new Uint8Array(3_200);
    const view = new DataView(loudNegative.buffer);
    for (let i = 0; i < 1_600; i++) view.setInt16(i * 2, -4_000, true);
    expect(isSpeechFrame(loudNegative)).toBe(true);
  });

  it('treats a frame too short to hold a sample as silence', () => {
    expect(isSpeechFrame(new Uint8Array(1))).toBe(false);
  });
});

it('frameDurationMs: 3,200 bytes of 16 kHz PCM16 are 100 ms', () => {
  expect(frameDurationMs(3_200)).toBe(100);
});
