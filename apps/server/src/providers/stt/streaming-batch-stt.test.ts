import { encodeWav } from '@atlas/fakes';
import { describe, expect, it } from 'vitest';
import { samplesToBytes } from '../tts/pcm-resampler.js';
import { StreamingBatchStt } from './streaming-batch-stt.js';
import { FakeSttProvider } from './testing/fake-stt.js';

function loudWav(ms: number, sampleRate = 16_000): Uint8Array {
  const samples = new Int16Array((sampleRate * ms) / 1000);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin(i / 5));
  return encodeWav(samplesToBytes(samples), sampleRate);
}

describe('StreamingBatchStt', () => {
  it('transcribes a WAV recording through a streaming recognizer', async () => {
    const stt = new FakeSttProvider({
      utterances: ['book a table for two'],
      framesPerWord: 1,
      silenceFramesToEnd: 3,
    });
    const result = await new StreamingBatchStt(stt).transcribe({
      audio: loudWav(800),
      mimeType: 'audio/wav',
    });
    expect(result.text).toBe('book a table for two');
    expect(result.durationSeconds).toBeCloseTo(0.8, 5);
    expect(stt.lastStream?.closed).toBe(true);
  });

  it('resamples other rates to the recognizer rate', async () => {
    const stt = new FakeSttProvider({ utterances: ['hello'], framesPerWord: 1 });
    const result = await new StreamingBatchStt(stt).transcribe({
      audio: loudWav(500, 48_000),
      mimeType: 'audio/wav',
    });
    expect(result.text).toBe('hello');
    expect(result.durationSeconds).toBeCloseTo(0.5, 2);
  });

  it('refuses what is not a PCM WAV with a clear error', async () => {
    const stt = new FakeSttProvider();
    await expect(
      new StreamingBatchStt(stt).transcribe({
        audio: new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0]),
        mimeType: 'audio/mpeg',
      }),
    ).rejects.toMatchObject({
      code: 'unsupported_media_type',
    });
  });
});
