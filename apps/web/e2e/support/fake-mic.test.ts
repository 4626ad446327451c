import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmsLevel } from '../../../../packages/fakes/src/index.js';
import { encodePcm16Wav, parsePcm16Wav, withTrailingSilence, writeFakeMicWav } from './fake-mic.js';

const samples = (...values: number[]) => {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [index, value] of values.entries()) view.setInt16(index * 2, value, true);
  return bytes;
};

describe('PCM16 WAV', () => {
  it('round-trips through encode and parse', () => {
    const audio = { sampleRate: 22_050, samples: samples(1, -2, 300, -32_768) };
    expect(parsePcm16Wav(encodePcm16Wav(audio))).toEqual(audio);
  });

  it('reads to the end of the file when the data size is a streaming placeholder', () => {
    const wav = encodePcm16Wav({ sampleRate: 16_000, samples: samples(5, 6, 7) });
    new DataView(wav.buffer).setUint32(40, 0xffffffff, true);
    expect(parsePcm16Wav(wav).samples).toEqual(samples(5, 6, 7));
    new DataView(wav.buffer).setUint32(40, 0, true);
    expect(parsePcm16Wav(wav).samples).toEqual(samples(5, 6, 7));
  });

  it('skips chunks it does not need, honouring their pad byte', () => {
    const plain = encodePcm16Wav({ sampleRate: 8_000, samples: samples(9) });
    const list = new Uint8Array(
      [...'LIST'].map((c) => c.charCodeAt(0)).concat([3, 0, 0, 0, 1, 2, 3, 0]),
    );
    const wav = new Uint8Array([...plain.subarray(0, 36), ...list, ...plain.subarray(36)]);
    expect(parsePcm16Wav(wav)).toEqual({ sampleRate: 8_000, samples: samples(9) });
  });

  it('refuses what is not PCM16 mono WAV, saying why', () => {
    expect(() => parsePcm16Wav(new Uint8Array([1, 2, 3]))).toThrow(/RIFF\/WAVE/);
    const stereo = encodePcm16Wav({ sampleRate: 8_000, samples: samples(1, 2) });
    new DataView(stereo.buffer).setUint16(22, 2, true);
    expect(() => parsePcm16Wav(stereo)).toThrow(/PCM16 mono/);
    const noData = encodePcm16Wav({ sampleRate: 8_000, samples: samples() }).subarray(0, 36);
    expect(() => parsePcm16Wav(noData)).toThrow(/no data chunk/);
  });

  it('appends the requested silence', () => {
    const padded = withTrailingSilence({ sampleRate: 1_000, samples: samples(100) }, 5);
    expect(padded.samples).toEqual(samples(100, 0, 0, 0, 0, 0));
  });
});

describe('writeFakeMicWav', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fake-mic-test-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('speaks the sentence with espeak-ng, then stays silent for the pause', async () => {
    const file = await writeFakeMicWav(dir, { sentence: 'hello there', silenceMs: 1_500 });
    const audio = parsePcm16Wav(new Uint8Array(await readFile(file)));
    const bytesPerMs = (audio.sampleRate * 2) / 1000;
    const pauseBytes = Math.round(1_500 * bytesPerMs);
    const speech = audio.samples.subarray(0, audio.samples.byteLength - pauseBytes);
    const pause = audio.samples.subarray(audio.samples.byteLength - pauseBytes);
    expect(speech.byteLength / bytesPerMs).toBeGreaterThan(300);
    // Loud enough for the fakes' speech detector (RMS 500), and the pause is digital silence.
    expect(rmsLevel(speech)).toBeGreaterThan(1_000);
    expect(rmsLevel(pause)).toBe(0);
  });
});
