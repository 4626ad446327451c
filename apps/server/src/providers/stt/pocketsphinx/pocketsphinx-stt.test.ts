/**
 * PocketSphinx against real speech made by espeak-ng. Recognition of synthetic speech by a
 * general English model is imperfect and the decoder adapts between utterances, so tests ask
 * for at least one expected word, never exact text. Nothing is skipped: without the Debian
 * packages (CI installs them) these tests fail, naming the packages.
 */
import { threadId } from 'node:worker_threads';
import type { Recognizer } from '@atlas/fakes';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../provider-error.js';
import { synthesizeSpeech, toFrames } from '../../testing/speech-audio.js';
import type { SttEvent } from '../stt.js';
import { PocketSphinxStt } from './pocketsphinx-stt.js';
import { createPocketSphinxRecognizer } from './recognizer.js';

/** Speech as a microphone gives it: a faint noise floor, a pause before and after. */
const speech = (text: string, sampleRate = 16_000, trailingSilenceMs = 1200) =>
  synthesizeSpeech(text, sampleRate, {
    leadingSilenceMs: 300,
    trailingSilenceMs,
    noise: 30,
    wordsPerMinute: 150,
  });

function collector() {
  const events: SttEvent[] = [];
  let resolveEnd: () => void = () => {};
  const utteranceEnd = new Promise<void>((resolve) => {
    resolveEnd = resolve;
  });
  return {
    events,
    utteranceEnd,
    onEvent: (event: SttEvent) => {
      events.push(event);
      if (event.type === 'utterance_end') resolveEnd();
    },
    types: () => events.map((e) => e.type),
    finals: () => events.flatMap((e) => (e.type === 'final' ? [e] : [])),
  };
}

const providers: PocketSphinxStt[] = [];
function provider(options: ConstructorParameters<typeof PocketSphinxStt>[0] = {}): PocketSphinxStt {
  const stt = new PocketSphinxStt(options);
  providers.push(stt);
  return stt;
}

afterEach(async () => {
  await Promise.all(providers.splice(0).map((stt) => stt.close()));
});

beforeAll(() => {
  const availability = PocketSphinxStt.available();
  if (!availability.available)
    throw new Error(`PocketSphinx tests need it installed: ${availability.detail}`);
});

describe('PocketSphinxStt', () => {
  it('reports what to install when the model is missing, and refuses to open a stream', async () => {
    const availability = PocketSphinxStt.available({ modelDir: '/nonexistent/model' });
    expect(availability.available).toBe(false);
    expect(availability.detail).toMatch(
      /install the Debian packages libpocketsphinx3 pocketsphinx-en-us/,
    );
    const stt = provider({ modelDir: '/nonexistent/model' });
    const error = await stt
      .openStream({ sampleRate: 16_000, onEvent: () => {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      retryable: false,
      message: expect.stringMatching(/pocketsphinx-en-us/),
    });
    expect(stt.workerCount).toBe(0);
  });

  it('hears "hello world" in 100 ms frames: speech_started, partials, a final with a word, utterance_end', async () => {
    const stt = provider({ idleWorkers: 0 });
    const audio = await speech('hello world');
    const heard = collector();
    const stream = await stt.openStream({ sampleRate: 16_000, onEvent: heard.onEvent });

    // Decoding must happen off this thread: the event loop keeps ticking while it runs.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 2);
    for (const frame of toFrames(audio, 3200)) stream.pushAudio(frame);
    expect(heard.events).toEqual([]); // nothing decoded synchronously inside pushAudio
    await heard.utteranceEnd;
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(0);
    expect(stream.decoderThreadId).not.toBe(threadId);

    const types = heard.types();
    expect(types[0]).toBe('speech_started');
    expect(types.filter((t) => t === 'partial').length).toBeGreaterThan(1);
    expect(types.slice(-2)).toEqual(['final', 'utterance_end']);
    expect(types.indexOf('final')).toBeGreaterThan(types.lastIndexOf('partial'));
    const final = heard.finals()[0];
    expect(final?.text).toMatch(/\b(hello|world)\b/);
    expect(final?.confidence).toBeGreaterThan(0);
    expect(final?.confidence).toBeLessThanOrEqual(1);

    await stream.close();
    const stats = stream.stats;
    expect(stats?.frames).toBe(toFrames(audio, 3200).length);
    expect(stats?.audioMs).toBeCloseTo((audio.length / 16_000) * 1000, 0);
  });

  it('finalize() ends the utterance at once, before the silence would', async () => {
    const stt = provider({ idleWorkers: 0 });
    const audio = await speech('yes', 16_000, 0);
    const heard = collector();
    const stream = await stt.openStream({ sampleRate: 16_000, onEvent: heard.onEvent });
    for (const frame of toFrames(audio)) stream.pushAudio(frame);
    stream.finalize();
    await heard.utteranceEnd;
    expect(heard.types()).toContain('speech_started');
    expect(heard.finals()[0]?.text).toMatch(/\byes\b/);
    await stream.close();
  });

  it('resamples other input rates (48 kHz here) to the model’s 16 kHz', async () => {
    const stt = provider({ idleWorkers: 0 });
    const audio = await speech('yes', 48_000);
    const heard = collector();
    const stream = await stt.openStream({ sampleRate: 48_000, onEvent: heard.onEvent });
    // 100 ms at 48 kHz, with odd-sized frames to exercise the carried byte.
    const bytes = new Uint8Array(audio.buffer);
    for (let offset = 0; offset < bytes.byteLength; offset += 9601) {
      stream.pushAudio(bytes.slice(offset, offset + 9601));
    }
    await heard.utteranceEnd;
    expect(heard.finals()[0]?.text).toMatch(/\byes\b/);
    await stream.close();
  });

  it('drops audio the decoder cannot keep up with, saying so once (non-fatal)', async () => {
    const stt = provider({ idleWorkers: 0, maxBacklogFrames: 3 });
    const heard = collector();
    const stream = await stt.openStream({ sampleRate: 16_000, onEvent: heard.onEvent });
    // Pushed in one synchronous burst: the worker cannot acknowledge any frame meanwhile.
    for (const frame of toFrames(new Int16Array(16_000))) stream.pushAudio(frame);
    const errors = heard.events.filter((e) => e.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ fatal: false, error: { retryable: true } });
    expect(stream.droppedFrames).toBe(7);
    await stream.close();
    expect(stream.stats?.frames).toBe(3);
  });

  it('gives each open stream its own decoder thread, refuses streams beyond the limit, and frees them all', async () => {
    const stt = provider({ maxStreams: 2, idleWorkers: 0 });
    const a = collector();
    const b = collector();
    const first = await stt.openStream({ sampleRate: 16_000, onEvent: a.onEvent });
    const second = await stt.openStream({ sampleRate: 16_000, onEvent: b.onEvent });
    expect(first.decoderThreadId).not.toBe(second.decoderThreadId);
    expect(stt.workerCount).toBe(2);
    await expect(stt.openStream({ sampleRate: 16_000, onEvent: () => {} })).rejects.toMatchObject({
      status: 503,
      retryable: true,
    });

    // Both decode at the same time; each hears its own audio.
    const [yes, hello] = await Promise.all([speech('yes'), speech('hello world')]);
    for (const frame of toFrames(yes)) first.pushAudio(frame);
    for (const frame of toFrames(hello)) second.pushAudio(frame);
    await Promise.all([a.utteranceEnd, b.utteranceEnd]);
    expect(a.finals()[0]?.text).toMatch(/\byes\b/);
    expect(b.finals()[0]?.text).toMatch(/\b(hello|world)\b/);

    await first.close();
    await second.close();
    expect(stt.workerCount).toBe(0); // no idle pool: closing a stream frees its decoder
  });

  it('keeps a warm decoder for the next call, delivers nothing after close, and frees it on close()', async () => {
    const stt = provider({ idleWorkers: 1 });
    await stt.warmUp();
    expect(stt.workerCount).toBe(1);
    const audio = await speech('hello world');

    const early = collector();
    const first = await stt.openStream({ sampleRate: 16_000, onEvent: early.onEvent });
    for (const frame of toFrames(audio).slice(0, 8)) first.pushAudio(frame);
    await first.close();
    const countAtClose = early.events.length;

    const later = collector();
    const second = await stt.openStream({ sampleRate: 16_000, onEvent: later.onEvent });
    expect(stt.workerCount).toBe(1); // the same warm worker, reused
    expect(second.decoderThreadId).toBe(first.decoderThreadId);
    for (const frame of toFrames(audio)) second.pushAudio(frame);
    await later.utteranceEnd;
    expect(later.types()[0]).toBe('speech_started'); // a fresh utterance, not the old one's tail
    expect(early.events.length).toBe(countAtClose);
    await second.close();

    await stt.close();
    expect(stt.workerCount).toBe(0);
    await expect(stt.openStream({ sampleRate: 16_000, onEvent: () => {} })).rejects.toBeInstanceOf(
      ProviderError,
    );
  });
});

describe('createPocketSphinxRecognizer (for the fake Deepgram server)', () => {
  it('hears a segment synchronously: partials while writing, the final before end() returns', async () => {
    // Typed as the fakes' interface: the Deepgram fake takes it as its `recognizer`.
    const recognizer: Recognizer & { warmUp(): void; close(): void } =
      createPocketSphinxRecognizer();
    try {
      recognizer.warmUp();
      const audio = await speech('hello world');
      const hypotheses: Array<{ text: string; final: boolean }> = [];
      const stream = recognizer.createStream(16_000, (h) => hypotheses.push(h));
      for (const frame of toFrames(audio)) stream.write(frame);
      expect(hypotheses.length).toBeGreaterThan(0);
      expect(hypotheses.every((h) => !h.final)).toBe(true);
      stream.end();
      const final = hypotheses.at(-1);
      expect(final?.final).toBe(true);
      expect(final?.text).toMatch(/\b(hello|world)\b/);
    } finally {
      recognizer.close();
    }
  });

  it('ends a segment still open at close() with an empty final instead of touching a freed decoder', () => {
    const recognizer = createPocketSphinxRecognizer();
    const hypotheses: Array<{ text: string; final: boolean }> = [];
    const stream = recognizer.createStream(16_000, (h) => hypotheses.push(h));
    stream.write(new Uint8Array(3200));
    recognizer.close();
    stream.write(new Uint8Array(3200));
    stream.end();
    expect(hypotheses).toEqual([{ text: '', final: true, confidence: 0 }]);
  });
});
