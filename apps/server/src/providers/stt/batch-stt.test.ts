import {
  type DeepgramFake,
  encodeWav,
  type OpenAiFake,
  silence,
  startDeepgramFake,
  startOpenAiFake,
  toneFrame,
} from '@atlas/fakes';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../provider-error.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import { DeepgramBatchStt, fileNameFor, OpenAiBatchStt } from './batch-stt.js';

const QUICK: RetryPolicy = { attempts: 3, baseDelayMs: 5, maxDelayMs: 10, maxRetryAfterMs: 1_000 };
/** 0.9 s of audio: 0.2 s silence, 0.2 s "speech", 0.5 s silence. */
const wav = () =>
  encodeWav(Buffer.concat([...silence(2), toneFrame(), toneFrame(), ...silence(5)]));

let deepgram: DeepgramFake | undefined;
let openai: OpenAiFake | undefined;
afterEach(async () => {
  await deepgram?.close();
  await openai?.close();
  deepgram = undefined;
  openai = undefined;
});

describe('DeepgramBatchStt', () => {
  it('transcribes a recording through the pre-recorded API', async () => {
    deepgram = await startDeepgramFake({ script: ['Set a timer.'], confidence: 0.87 });
    const stt = new DeepgramBatchStt({ apiKey: 'k', baseUrl: deepgram.url, retryPolicy: QUICK });
    const result = await stt.transcribe({ audio: wav(), mimeType: 'audio/wav', language: 'en' });
    expect(result).toEqual({ text: 'Set a timer.', confidence: 0.87, durationSeconds: 0.9 });
    expect(deepgram.requests[0]).toMatchObject({
      query: { model: 'nova-3', smart_format: 'true', punctuate: 'true', language: 'en' },
      headers: { authorization: 'Token k', 'content-type': 'audio/wav' },
    });
  });

  it('retries a 500 and succeeds on the next attempt', async () => {
    deepgram = await startDeepgramFake({ script: ['second time lucky'] });
    deepgram.faults.push({ kind: 'status', status: 500 });
    const retries: number[] = [];
    const stt = new DeepgramBatchStt({
      apiKey: 'k',
      baseUrl: deepgram.url,
      retryPolicy: QUICK,
      onRetry: (error) => retries.push(error.status ?? 0),
    });
    const result = await stt.transcribe({ audio: new Uint8Array([1, 2]), mimeType: 'audio/webm' });
    expect(result.text).toBe('second time lucky');
    expect(retries).toEqual([500]);
    expect(deepgram.requests.map((r) => r.status)).toEqual([500, 200]);
  });

  it('fails at once with a final ProviderError on a refused key', async () => {
    deepgram = await startDeepgramFake({ apiKeys: ['right'] });
    const stt = new DeepgramBatchStt({
      apiKey: 'wrong',
      baseUrl: deepgram.url,
      retryPolicy: QUICK,
    });
    const error = await stt.transcribe({ audio: wav(), mimeType: 'audio/wav' }).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'deepgram', status: 401, retryable: false });
    expect(deepgram.requests).toHaveLength(1);
  });

  it('gives the retry-after of a 429 to the retry policy', async () => {
    deepgram = await startDeepgramFake();
    deepgram.faults.push(
      { kind: 'status', status: 429, retryAfterSeconds: 30 },
      { kind: 'status', status: 429 },
    );
    const stt = new DeepgramBatchStt({ apiKey: 'k', baseUrl: deepgram.url, retryPolicy: QUICK });
    const error = await stt.transcribe({ audio: wav(), mimeType: 'audio/wav' }).catch((e) => e);
    // 30 s is more than the policy waits for: the caller gets the error instead.
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 30_000 });
    expect(deepgram.requests).toHaveLength(1);
  });
});

describe('OpenAiBatchStt', () => {
  it('transcribes through an OpenAI-compatible /audio/transcriptions', async () => {
    openai = await startOpenAiFake({ transcriptions: { script: ['What time is it?'] } });
    const stt = new OpenAiBatchStt({
      apiKey: 'sk-test',
      baseURL: openai.baseURL,
      retryPolicy: QUICK,
    });
    const result = await stt.transcribe({ audio: wav(), mimeType: 'audio/wav' });
    expect(result).toEqual({ text: 'What time is it?', durationSeconds: 1 });
    const request = openai.requests[0];
    expect(request?.path).toBe('/v1/audio/transcriptions');
    expect(request?.headers['content-type']).toMatch(/^multipart\/form-data/);
    const body = request?.raw.toString('latin1') ?? '';
    expect(body).toContain('name="model"\r\n\r\ngpt-4o-mini-transcribe');
    expect(body).toContain('filename="audio.wav"');
  });

  it('retries a 500 and succeeds on the next attempt', async () => {
    openai = await startOpenAiFake({ transcriptions: { script: ['try again'] } });
    openai.faults.push({ kind: 'status', status: 500 });
    const stt = new OpenAiBatchStt({
      apiKey: 'sk-test',
      baseURL: openai.baseURL,
      retryPolicy: QUICK,
    });
    const result = await stt.transcribe({
      audio: new Uint8Array([9, 9, 9]),
      mimeType: 'audio/webm',
    });
    expect(result.text).toBe('try again');
    expect(openai.requests).toHaveLength(2);
  });

  it('fails with a final ProviderError on 401 and stops when aborted', async () => {
    openai = await startOpenAiFake({ apiKey: 'sk-right' });
    const refused = new OpenAiBatchStt({
      apiKey: 'sk-wrong',
      baseURL: openai.baseURL,
      retryPolicy: QUICK,
    });
    const error = await refused.transcribe({ audio: wav(), mimeType: 'audio/wav' }).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'openai', status: 401, retryable: false });

    openai.faults.push({ kind: 'hang' });
    const stt = new OpenAiBatchStt({
      apiKey: 'sk-right',
      baseURL: openai.baseURL,
      retryPolicy: QUICK,
    });
    const controller = new AbortController();
    const pending = stt.transcribe({
      audio: wav(),
      mimeType: 'audio/wav',
      signal: controller.signal,
    });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('fileNameFor', () => {
  it('names the upload after its MIME type, so the vendor picks the right decoder', () => {
    expect(fileNameFor('audio/webm;codecs=opus')).toBe('audio.webm');
    expect(fileNameFor('audio/mpeg')).toBe('audio.mp3');
    expect(fileNameFor('application/octet-stream')).toBe('audio.wav');
  });
});
