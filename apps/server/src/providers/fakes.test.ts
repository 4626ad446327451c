import { describe, expect, it } from 'vitest';
import { FakeLlmProvider } from './llm/testing/fake-llm.js';
import type { SttEvent } from './stt/stt.js';
import { FakeSttProvider, isLoud } from './stt/testing/fake-stt.js';
import { FakeTtsProvider } from './tts/testing/fake-tts.js';

const loud = () => {
  const frame = new Uint8Array(3200);
  new DataView(frame.buffer).setInt16(0, 8000, true);
  return frame;
};
const quiet = () => new Uint8Array(3200);

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('FakeSttProvider', () => {
  it('reveals the scripted words on loud frames and ends the utterance after quiet frames', async () => {
    const events: SttEvent[] = [];
    const stt = new FakeSttProvider({
      utterances: ['hello there friend', 'bye'],
      framesPerWord: 1,
      silenceFramesToEnd: 2,
    });
    const stream = await stt.openStream({ sampleRate: 16000, onEvent: (e) => events.push(e) });
    for (let i = 0; i < 2; i++) stream.pushAudio(loud());
    for (let i = 0; i < 2; i++) stream.pushAudio(quiet());
    expect(
      events.map((e) =>
        e.type === 'partial' || e.type === 'final' ? `${e.type}:${e.text}` : e.type,
      ),
    ).toEqual([
      'speech_started',
      'partial:hello',
      'partial:hello there',
      'final:hello there friend',
      'utterance_end',
    ]);
    stream.pushAudio(loud());
    stream.finalize();
    expect(events.at(-2)).toMatchObject({ type: 'final', text: 'bye' });
    await stream.close();
  });

  it('delivers events after the lag, never after close, and can fail', async () => {
    const events: SttEvent[] = [];
    const stt = new FakeSttProvider({ utterances: ['hi'], lagMs: 5, failAfterFrames: 3 });
    const stream = await stt.openStream({ sampleRate: 16000, onEvent: (e) => events.push(e) });
    stream.pushAudio(loud());
    expect(events).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(events.map((e) => e.type)).toEqual(['speech_started']);
    stream.pushAudio(loud());
    stream.pushAudio(loud());
    await new Promise((r) => setTimeout(r, 20));
    expect(events.at(-1)).toMatchObject({ type: 'error', fatal: true });
    stream.pushAudio(loud());
    await stream.close();
    expect(stt.lastStream?.pendingTimers).toBe(0);
  });

  it('tells loud frames from silence', () => {
    expect(isLoud(loud(), 500)).toBe(true);
    expect(isLoud(quiet(), 500)).toBe(false);
  });
});

describe('FakeLlmProvider', () => {
  it('streams the reply word by word, then usage', async () => {
    const llm = new FakeLlmProvider({ reply: () => 'Sure. It is sunny.' });
    const chunks = await collect(
      llm.stream({
        model: 'm',
        messages: [{ role: 'user', content: 'weather?' }],
        signal: new AbortController().signal,
      }),
    );
    expect(
      chunks
        .filter((c) => c.type === 'delta')
        .map((c) => (c.type === 'delta' ? c.text : ''))
        .join(''),
    ).toBe('Sure. It is sunny.');
    expect(chunks.at(-1)).toMatchObject({ type: 'usage', outputTokens: 5 });
    expect(llm.calls[0]?.completed).toBe(true);
  });

  it('stops quietly on abort and records what was sent', async () => {
    const llm = new FakeLlmProvider({
      reply: () => 'one two three four five',
      wordsPerSecond: 100,
    });
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const chunk of llm.stream({ model: 'm', messages: [], signal: controller.signal })) {
      if (chunk.type === 'delta') seen.push(chunk.text);
      if (seen.length === 2) controller.abort();
    }
    expect(seen).toEqual(['one ', 'two ']);
    expect(llm.calls[0]).toMatchObject({ aborted: true, completed: false, sent: 'one two ' });
  });

  it('fails before the first token when told to', async () => {
    const llm = new FakeLlmProvider();
    llm.failNext();
    await expect(
      collect(llm.stream({ model: 'm', messages: [], signal: new AbortController().signal })),
    ).rejects.toMatchObject({ retryable: true, status: 529 });
  });
});

describe('FakeTtsProvider', () => {
  it('produces PCM16 sized by the text at its sample rate', async () => {
    const tts = new FakeTtsProvider({ sampleRate: 24000, msPerCharacter: 10, chunkMs: 50 });
    const chunks = await collect(
      tts.synthesize({ text: 'x'.repeat(20), signal: new AbortController().signal }),
    );
    expect(chunks.reduce((n, c) => n + c.byteLength, 0)).toBe(24000 * 0.2 * 2);
    expect(chunks.length).toBe(4);
  });

  it('stops on abort', async () => {
    const tts = new FakeTtsProvider({ msPerCharacter: 100, chunkMs: 10, realTimeFactor: 1 });
    const controller = new AbortController();
    let count = 0;
    for await (const _chunk of tts.synthesize({ text: 'hello world', signal: controller.signal })) {
      if (++count === 2) controller.abort();
    }
    expect(count).toBe(2);
    expect(tts.calls[0]?.aborted).toBe(true);
  });
});
