import { describe, expect, it } from 'vitest';
import type { TtsProvider, TtsRequest } from '../providers/tts/tts.js';
import { MAX_COALESCED_BYTES, SynthesisJob } from './synthesis-job.js';

/** A TTS whose chunks arrive when the test says so. */
class ScriptedTts implements TtsProvider {
  readonly name = 'scripted';
  readonly capabilities = { sampleRate: 24_000, streaming: true };
  readonly #queue: Array<Uint8Array | 'end'> = [];
  #wake: (() => void) | undefined;

  push(...items: Array<Uint8Array | 'end'>): void {
    this.#queue.push(...items);
    this.#wake?.();
  }

  async *synthesize(_request: TtsRequest): AsyncIterable<Uint8Array> {
    for (;;) {
      const item = this.#queue.shift();
      if (item === 'end') return;
      if (item) yield item;
      else await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

const bytes = (length: number, value: number) => new Uint8Array(length).fill(value);
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SynthesisJob', () => {
  it('joins the chunks already waiting, in order, and never waits to join', async () => {
    const tts = new ScriptedTts();
    const job = new SynthesisJob('Hello there.');
    job.start(tts, new AbortController().signal, () => 0);
    tts.push(bytes(4, 1), bytes(2, 2), bytes(6, 3));
    await tick();
    const drain = job.drain();
    const first = await drain.next();
    expect([...(first.value as Uint8Array)]).toEqual([1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3]);
    // One chunk alone leaves as it is, at once.
    const second = drain.next();
    tts.push(bytes(2, 4));
    expect([...((await second).value as Uint8Array)]).toEqual([4, 4]);
    tts.push('end');
    expect((await drain.next()).done).toBe(true);
  });

  it('never joins more than MAX_COALESCED_BYTES into one chunk', async () => {
    const tts = new ScriptedTts();
    const job = new SynthesisJob('A long sentence.');
    job.start(tts, new AbortController().signal, () => 0);
    const piece = MAX_COALESCED_BYTES / 4;
    tts.push(...Array.from({ length: 6 }, (_, i) => bytes(piece, i)), 'end');
    await tick();
    const sizes: number[] = [];
    let total = 0;
    for await (const chunk of job.drain()) {
      sizes.push(chunk.byteLength);
      total += chunk.byteLength;
    }
    expect(sizes).toEqual([MAX_COALESCED_BYTES, piece * 2]);
    expect(total).toBe(piece * 6);
  });
});
