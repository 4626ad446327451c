import {
  fakeSpeechPcm,
  type LatencyProfile,
  type OpenAiFake,
  startOpenAiFake,
  ZERO_PROFILE,
} from '@atlas/fakes';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../provider-error.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import { OpenAiTts, wholeSamples } from './openai-tts.js';

const FAST_RETRIES: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 5,
  maxDelayMs: 20,
  maxRetryAfterMs: 1000,
};
/** Paced like a real synthesiser: chunks follow each other, not all at once. */
const PACED: LatencyProfile = {
  ...ZERO_PROFILE,
  tts: { timeToFirstByteMs: 20, realTimeFactor: 0.2 },
};

let fake: OpenAiFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
}

const concat = (chunks: Uint8Array[]) => new Uint8Array(Buffer.concat(chunks));
const signal = () => new AbortController().signal;

describe('OpenAiTts against the fake OpenAI server', () => {
  it('streams the exact PCM the server sends, in whole-sample chunks, with the request OpenAI expects', async () => {
    fake = await startOpenAiFake({ profile: PACED, apiKey: 'sk-test' });
    const tts = new OpenAiTts({ apiKey: 'sk-test', baseURL: fake.baseURL, model: 'tts-1' });
    expect(tts.capabilities).toEqual({ sampleRate: 24_000, streaming: true });
    const text = 'Hello there, how are you today?';
    const chunks = await collect(tts.synthesize({ text, voice: 'nova', signal: signal() }));

    expect(concat(chunks)).toEqual(fakeSpeechPcm(text));
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.byteLength % 2).toBe(0);
    const request = fake.requests[0];
    expect(request?.path).toBe('/v1/audio/speech');
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.body).toEqual({
      model: 'tts-1',
      voice: 'nova',
      input: text,
      response_format: 'pcm',
    });
  });

  it('yields the first audio long before the whole sentence is synthesised', async () => {
    // 300 characters = 18 s of audio at real-time factor 1: a buffering adapter would need 18 s
    // and hit this test's 8 s timeout; a streaming one has its first chunk within ~100 ms.
    fake = await startOpenAiFake({
      profile: { ...ZERO_PROFILE, tts: { timeToFirstByteMs: 0, realTimeFactor: 1 } },
    });
    const tts = new OpenAiTts({ apiKey: 'k', baseURL: fake.baseURL });
    const controller = new AbortController();
    const received: Uint8Array[] = [];
    for await (const chunk of tts.synthesize({
      text: 'a'.repeat(300),
      signal: controller.signal,
    })) {
      received.push(chunk);
      if (received.length === 2) controller.abort();
    }
    expect(received).toHaveLength(2);
    expect(concat(received)).toEqual(
      fakeSpeechPcm('a'.repeat(300)).subarray(0, concat(received).length),
    );
  }, 8_000);

  it('falls back to a tts-1 voice when the requested one is newer, and sends instructions to newer models', async () => {
    fake = await startOpenAiFake();
    const old = new OpenAiTts({
      apiKey: 'k',
      baseURL: fake.baseURL,
      model: 'tts-1',
      instructions: 'calm',
    });
    await collect(old.synthesize({ text: 'Hi', voice: 'marin', signal: signal() }));
    const modern = new OpenAiTts({
      apiKey: 'k',
      baseURL: fake.baseURL,
      model: 'gpt-4o-mini-tts',
      instructions: 'calm',
    });
    await collect(modern.synthesize({ text: 'Hi', voice: 'marin', signal: signal() }));
    expect(fake.requests.map((r) => r.body)).toEqual([
      { model: 'tts-1', voice: 'coral', input: 'Hi', response_format: 'pcm' },
      {
        model: 'gpt-4o-mini-tts',
        voice: 'marin',
        input: 'Hi',
        response_format: 'pcm',
        instructions: 'calm',
      },
    ]);
  });

  it('retries a 429 (honouring retry-after) and then streams the audio', async () => {
    fake = await startOpenAiFake();
    fake.faults.push({ kind: 'status', status: 429, retryAfterSeconds: 0.05 });
    const retries: Array<{ status: number | undefined; delayMs: number }> = [];
    const tts = new OpenAiTts({
      apiKey: 'k',
      baseURL: fake.baseURL,
      retryPolicy: FAST_RETRIES,
      onRetry: (error, _attempt, delayMs) => retries.push({ status: error.status, delayMs }),
    });
    const chunks = await collect(tts.synthesize({ text: 'Retry me', signal: signal() }));
    expect(concat(chunks)).toEqual(fakeSpeechPcm('Retry me'));
    expect(fake.requests).toHaveLength(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]?.status).toBe(429);
    expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(50);
  });

  it('does not retry a 400 and reports it as a non-retryable ProviderError', async () => {
    fake = await startOpenAiFake();
    fake.faults.push({ kind: 'status', status: 400 });
    const tts = new OpenAiTts({ apiKey: 'k', baseURL: fake.baseURL, retryPolicy: FAST_RETRIES });
    const error = await collect(tts.synthesize({ text: 'x', signal: signal() })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      status: 400,
      retryable: false,
      capability: 'tts',
      provider: 'openai',
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('fails after the first chunk when the connection is cut, without retrying', async () => {
    fake = await startOpenAiFake({ profile: PACED });
    fake.faults.push({ kind: 'cut', afterChunks: 1 });
    const tts = new OpenAiTts({ apiKey: 'k', baseURL: fake.baseURL, retryPolicy: FAST_RETRIES });
    const received: Uint8Array[] = [];
    let failure: unknown;
    try {
      for await (const chunk of tts.synthesize({
        text: 'This will be cut short.',
        signal: signal(),
      })) {
        received.push(chunk);
      }
    } catch (error) {
      failure = error;
    }
    expect(concat(received).byteLength).toBeGreaterThan(0);
    expect(concat(received).byteLength).toBeLessThan(
      fakeSpeechPcm('This will be cut short.').byteLength,
    );
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ retryable: true });
    expect(fake.requests).toHaveLength(1); // audio had reached the caller: no retry
  });

  it('times out a server that never answers, with a retryable ProviderError', async () => {
    fake = await startOpenAiFake();
    fake.faults.push({ kind: 'hang' }, { kind: 'hang' });
    const tts = new OpenAiTts({
      apiKey: 'k',
      baseURL: fake.baseURL,
      timeoutMs: 150,
      retryPolicy: { ...FAST_RETRIES, attempts: 2 },
    });
    const error = await collect(tts.synthesize({ text: 'Anyone there?', signal: signal() })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true, message: expect.stringMatching(/timed out/) });
    expect(fake.requests).toHaveLength(2);
  });

  it('ends quietly when aborted while waiting for the server', async () => {
    fake = await startOpenAiFake();
    fake.faults.push({ kind: 'hang' });
    const tts = new OpenAiTts({ apiKey: 'k', baseURL: fake.baseURL });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const chunks = await collect(tts.synthesize({ text: 'Never mind', signal: controller.signal }));
    expect(chunks).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('rejects a wrong key without retrying', async () => {
    fake = await startOpenAiFake({ apiKey: 'right' });
    const tts = new OpenAiTts({
      apiKey: 'wrong',
      baseURL: fake.baseURL,
      retryPolicy: FAST_RETRIES,
    });
    await expect(collect(tts.synthesize({ text: 'x', signal: signal() }))).rejects.toMatchObject({
      status: 401,
      retryable: false,
    });
  });
});

describe('wholeSamples', () => {
  it('carries odd bytes across chunks and never emits half a sample', () => {
    const bytes = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const splits = [[1], [2, 3, 4], [5], [6, 7], [8, 9]];
    let carry: number | undefined;
    const out: number[] = [];
    for (const split of splits) {
      const result = wholeSamples(Uint8Array.from(split), carry);
      expect(result.samples.byteLength % 2).toBe(0);
      out.push(...result.samples);
      carry = result.carry;
    }
    expect(out).toEqual(bytes.slice(0, 8));
    expect(carry).toBe(9);
  });
});
