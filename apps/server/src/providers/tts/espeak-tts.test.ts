import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../provider-error.js';
import { EspeakTts } from './espeak-tts.js';
import { bytesToSamples } from './pcm-resampler.js';
import { parseWav, WavStreamReader } from './wav-reader.js';

/** A WAV header as `espeak-ng --stdout` writes it: placeholder RIFF and data sizes. */
function pipeWavHeader(sampleRate: number, extraChunk = false): Uint8Array {
  const parts: number[] = [];
  const ascii = (text: string) => parts.push(...[...text].map((c) => c.charCodeAt(0)));
  const u32 = (value: number) =>
    parts.push(value & 255, (value >>> 8) & 255, (value >>> 16) & 255, value >>> 24);
  const u16 = (value: number) => parts.push(value & 255, value >>> 8);
  ascii('RIFF');
  u32(0x7ffff024);
  ascii('WAVE');
  ascii('fmt ');
  u32(16);
  u16(1);
  u16(1);
  u32(sampleRate);
  u32(sampleRate * 2);
  u16(2);
  u16(16);
  if (extraChunk) {
    ascii('LIST');
    u32(3); // odd size: one pad byte follows
    parts.push(1, 2, 3, 0);
  }
  ascii('data');
  u32(0x7ffff000);
  return Uint8Array.from(parts);
}

describe('WavStreamReader', () => {
  it('finds the data chunk behind placeholder sizes and an odd-sized extra chunk', () => {
    const header = pipeWavHeader(22_050, true);
    const audio = new Uint8Array([0x01, 0x00, 0xff, 0xff, 0x34, 0x12]);
    const bytes = new Uint8Array(header.length + audio.length);
    bytes.set(header);
    bytes.set(audio, header.length);
    const { format, samples } = parseWav(bytes);
    expect(format).toEqual({ sampleRate: 22_050, channels: 1, bitsPerSample: 16 });
    expect([...samples]).toEqual([1, -1, 0x1234]);
  });

  it('reads byte by byte, carrying split headers and half samples', () => {
    const header = pipeWavHeader(16_000);
    const bytes = new Uint8Array([...header, 0x10, 0x00, 0x20, 0x00, 0x30, 0x00]);
    const reader = new WavStreamReader();
    const samples: number[] = [];
    for (const byte of bytes) samples.push(...reader.push(Uint8Array.of(byte)));
    expect(reader.format?.sampleRate).toBe(16_000);
    expect(samples).toEqual([0x10, 0x20, 0x30]);
  });

  it('rejects what is not a WAV', () => {
    expect(() =>
      new WavStreamReader().push(new TextEncoder().encode('<html>not audio</html>')),
    ).toThrow(/RIFF/);
  });
});

describe('EspeakTts', () => {
  it('is installed (CI installs espeak-ng; without it the offline voice is silent)', () => {
    const availability = EspeakTts.available();
    expect(availability.detail).not.toMatch(/not found/);
    expect(availability.available).toBe(true);
  });

  it('reports a missing binary with what to install', () => {
    const availability = EspeakTts.available('espeak-ng', { PATH: '/nonexistent' });
    expect(availability).toEqual({
      available: false,
      detail: 'espeak-ng not found: install the Debian package espeak-ng',
    });
  });

  it('speaks a sentence as 24 kHz PCM16 of a plausible length, in several chunks', async () => {
    const tts = new EspeakTts();
    expect(tts.capabilities).toEqual({ sampleRate: 24_000, streaming: true });
    const chunks: Uint8Array[] = [];
    const text = 'Hello there. This sentence is long enough to arrive in more than one chunk.';
    for await (const chunk of tts.synthesize({ text, signal: new AbortController().signal })) {
      chunks.push(chunk.slice());
    }
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.byteLength % 2).toBe(0);
    const samples = bytesToSamples(Buffer.concat(chunks));
    const seconds = samples.length / 24_000;
    // 14 words at ~175 words per minute: about 5 s; generous bounds, but not silence or noise.
    expect(seconds).toBeGreaterThan(2.5);
    expect(seconds).toBeLessThan(9);
    let peak = 0;
    for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
    expect(peak).toBeGreaterThan(3000);
  });

  it('makes longer audio for longer text and none for blank text', async () => {
    const tts = new EspeakTts({ sampleRate: 16_000 });
    const length = async (text: string) => {
      let bytes = 0;
      for await (const chunk of tts.synthesize({ text, signal: new AbortController().signal })) {
        bytes += chunk.byteLength;
      }
      return bytes;
    };
    const short = await length('Yes.');
    const long = await length('Yes, and then some more words after that one.');
    expect(short).toBeGreaterThan(0);
    expect(long).toBeGreaterThan(short * 2);
    expect(await length('   ')).toBe(0);
  });

  it('passes text that looks like options as text, and maps OpenAI voice names', async () => {
    const tts = new EspeakTts();
    let bytes = 0;
    for await (const chunk of tts.synthesize({
      text: '--help -w /tmp/x.wav',
      voice: 'nova',
      signal: new AbortController().signal,
    })) {
      bytes += chunk.byteLength;
    }
    expect(bytes).toBeGreaterThan(24_000); // spoken, not treated as flags
  });

  it('ends quietly and kills espeak when aborted', async () => {
    const tts = new EspeakTts();
    const controller = new AbortController();
    let chunks = 0;
    const text = 'This is a long text. '.repeat(200);
    for await (const _chunk of tts.synthesize({ text, signal: controller.signal })) {
      chunks++;
      controller.abort();
    }
    expect(chunks).toBe(1);
  });

  describe('with a broken binary', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'atlas-espeak-'));
      const script = join(dir, 'espeak-ng');
      writeFileSync(script, '#!/bin/sh\necho "voice not found" >&2\nexit 3\n');
      chmodSync(script, 0o755);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('fails with a ProviderError carrying espeak’s message', async () => {
      const tts = new EspeakTts({ binary: join(dir, 'espeak-ng') });
      const run = async () => {
        for await (const _ of tts.synthesize({
          text: 'hi',
          signal: new AbortController().signal,
        })) {
          // nothing expected
        }
      };
      await expect(run()).rejects.toThrow(/exited with 3: voice not found/);
      await expect(run()).rejects.toBeInstanceOf(ProviderError);
    });

    it('fails clearly when the binary does not exist', async () => {
      const tts = new EspeakTts({ binary: join(dir, 'missing') });
      const run = async () => {
        for await (const _ of tts.synthesize({
          text: 'hi',
          signal: new AbortController().signal,
        })) {
          // nothing expected
        }
      };
      await expect(run()).rejects.toThrow(/install the Debian package espeak-ng/);
    });
  });
});
