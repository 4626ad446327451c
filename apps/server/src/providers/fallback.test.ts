import { describe, expect, it } from 'vitest';
import { ProviderError } from './provider-error.js';
import { FallbackStt } from './stt/fallback-stt.js';
import type { SttEvent } from './stt/stt.js';
import { FakeSttProvider } from './stt/testing/fake-stt.js';
import { FallbackTts } from './tts/fallback-tts.js';
import { FakeTtsProvider } from './tts/testing/fake-tts.js';

const loud = () => {
  const frame = new Uint8Array(3200);
  new DataView(frame.buffer).setInt16(0, 8000, true);
  return frame;
};
const unreachable = () =>
  new ProviderError('unreachable', { provider: 'primary', capability: 'stt', retryable: true });

describe('FallbackStt', () => {
  it('opens on the next provider when the first cannot be reached, and reports the switch', async () => {
    const primary = new FakeSttProvider();
    primary.failOpen = unreachable();
    const secondary = new FakeSttProvider({ utterances: ['hello'], framesPerWord: 1 });
    const switches: string[] = [];
    const stt = new FallbackStt([primary, secondary], {
      onFailover: (from, to) => switches.push(`${from}>${to}`),
    });
    const events: SttEvent[] = [];
    const stream = await stt.openStream({ sampleRate: 16000, onEvent: (e) => events.push(e) });
    stream.pushAudio(loud());
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'partial']);
    expect(switches).toEqual(['fake-stt>fake-stt']);
    expect(secondary.streams).toHaveLength(1);
  });

  it('moves a live stream to the next provider after a fatal error, keeping the audio', async () => {
    const primary = new FakeSttProvider({
      utterances: ['one two three'],
      framesPerWord: 1,
      failAfterFrames: 2,
    });
    const secondary = new FakeSttProvider({ utterances: ['one two three'], framesPerWord: 1 });
    const stt = new FallbackStt([primary, secondary]);
    const events: SttEvent[] = [];
    const stream = await stt.openStream({ sampleRate: 16000, onEvent: (e) => events.push(e) });
    stream.pushAudio(loud());
    stream.pushAudio(loud()); // the primary fails here
    stream.pushAudio(loud()); // buffered while switching
    await new Promise((r) => setTimeout(r, 10));
    stream.pushAudio(loud());
    expect(events.some((e) => e.type === 'error')).toBe(false);
    expect(secondary.lastStream?.frames.length).toBe(2);
    await stream.close();
    expect(secondary.lastStream?.closed).toBe(true);
  });

  it('reports a fatal error when every provider has failed', async () => {
    const primary = new FakeSttProvider({ failAfterFrames: 1 });
    const secondary = new FakeSttProvider();
    secondary.failOpen = unreachable();
    const events: SttEvent[] = [];
    const stream = await new FallbackStt([primary, secondary]).openStream({
      sampleRate: 16000,
      onEvent: (e) => events.push(e),
    });
    stream.pushAudio(loud());
    await new Promise((r) => setTimeout(r, 10));
    expect(events.at(-1)).toMatchObject({ type: 'error', fatal: true });
  });
});

describe('FallbackTts', () => {
  it('synthesises with the next provider when the first fails before any audio', async () => {
    const primary = new FakeTtsProvider();
    primary.failNext();
    const secondary = new FakeTtsProvider({ msPerCharacter: 10 });
    const switches: string[] = [];
    const tts = new FallbackTts([primary, secondary], {
      onFailover: (from, to) => switches.push(`${from}>${to}`),
    });
    let bytes = 0;
    for await (const chunk of tts.synthesize({
      text: 'hello',
      signal: new AbortController().signal,
    }))
      bytes += chunk.byteLength;
    expect(bytes).toBe(24000 * 0.05 * 2);
    expect(switches).toHaveLength(1);
  });

  it('refuses providers with different output rates', () => {
    expect(
      () =>
        new FallbackTts([
          new FakeTtsProvider({ sampleRate: 24000 }),
          new FakeTtsProvider({ sampleRate: 22050 }),
        ]),
    ).toThrow(/22050 Hz/);
  });

  it('throws the last error when every provider fails', async () => {
    const a = new FakeTtsProvider();
    const b = new FakeTtsProvider();
    a.failNext();
    b.failNext();
    const run = async () => {
      for await (const _ of new FallbackTts([a, b]).synthesize({
        text: 'x',
        signal: new AbortController().signal,
      })) {
        // drain
      }
    };
    await expect(run()).rejects.toMatchObject({ retryable: true });
  });
});
