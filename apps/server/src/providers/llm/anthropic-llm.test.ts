import {
  type AnthropicFake,
  type AnthropicFakeOptions,
  REALISTIC_PROFILE,
  startAnthropicFake,
} from '@atlas/fakes';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../provider-error.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import { AnthropicLlm, type AnthropicLlmOptions } from './anthropic-llm.js';
import { estimateTokens, type LlmChunk, type LlmRequest } from './llm.js';

/** Fast retries for tests; `retry-after` still wins when the server sends one. */
const FAST: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000 };

let fake: AnthropicFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(
  fakeOptions: AnthropicFakeOptions = {},
  llm: Partial<AnthropicLlmOptions> = {},
) {
  fake = await startAnthropicFake({ apiKey: 'sk-test', ...fakeOptions });
  const retries: Array<{ status: number | undefined; delayMs: number }> = [];
  const adapter = new AnthropicLlm({
    apiKey: 'sk-test',
    baseURL: fake.url,
    retryPolicy: FAST,
    onRetry: (error, _attempt, delayMs) => retries.push({ status: error.status, delayMs }),
    ...llm,
  });
  return { fake, llm: adapter, retries };
}

const request = (signal = new AbortController().signal): LlmRequest => ({
  model: 'claude-haiku-4-5',
  system: 'You are Atlas.',
  messages: [
    { role: 'user', content: 'What is the weather?' },
    { role: 'assistant', content: 'Where are you?' },
    { role: 'user', content: 'Lisbon' },
  ],
  maxTokens: 200,
  signal,
});

async function collect(iterable: AsyncIterable<LlmChunk>) {
  const chunks: LlmChunk[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
}

const textOf = (chunks: LlmChunk[]) =>
  chunks.map((c) => (c.type === 'delta' ? c.text : '')).join('');

const REPLY = 'It is sunny in Lisbon today, with a light breeze.';

describe('AnthropicLlm against the Anthropic fake, through the official SDK', () => {
  it('streams the text deltas and reports usage from message_start and message_delta', async () => {
    const { fake, llm, retries } = await setup({ reply: () => REPLY });
    const chunks = await collect(llm.stream(request()));
    expect(textOf(chunks)).toBe(REPLY);
    expect(chunks.filter((c) => c.type === 'delta').length).toBeGreaterThan(1);
    // The fake counts ~4 characters per token over the system prompt and every message.
    const input = estimateTokens('You are Atlas. What is the weather? Where are you? Lisbon');
    expect(chunks[0]).toEqual({ type: 'usage', inputTokens: input, outputTokens: 0 });
    expect(chunks.at(-1)).toEqual({
      type: 'usage',
      inputTokens: input,
      outputTokens: estimateTokens(REPLY),
    });
    expect(retries).toEqual([]);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.body).toMatchObject({
      model: 'claude-haiku-4-5',
      system: 'You are Atlas.',
      max_tokens: 200,
      stream: true,
      messages: [
        { role: 'user', content: 'What is the weather?' },
        { role: 'assistant', content: 'Where are you?' },
        { role: 'user', content: 'Lisbon' },
      ],
    });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it('ends quietly when aborted mid-stream, keeping what was sent', async () => {
    const { llm } = await setup({
      reply: () => REPLY,
      profile: { ...REALISTIC_PROFILE, llm: { timeToFirstTokenMs: 0, tokensPerSecond: 50 } },
    });
    const controller = new AbortController();
    const deltas: string[] = [];
    for await (const chunk of llm.stream(request(controller.signal))) {
      if (chunk.type === 'delta') deltas.push(chunk.text);
      if (deltas.length === 2) controller.abort();
    }
    expect(deltas).toHaveLength(2);
    expect(deltas.join('').length).toBeLessThan(REPLY.length);
  });

  it('ends quietly when aborted before the response starts, or while waiting to retry', async () => {
    const { fake, llm } = await setup();
    fake.faults.push({ kind: 'hang' }, { kind: 'status', status: 429, retryAfterSeconds: 1 });
    for (const _fault of ['hang', '429']) {
      const chunks = await collect(llm.stream(request(AbortSignal.timeout(60))));
      expect(chunks).toEqual([]);
    }
    expect(fake.requests).toHaveLength(2);
  });

  it('retries two 529s, counting both, then streams the reply', async () => {
    const { fake, llm, retries } = await setup({ reply: () => REPLY });
    fake.faults.push({ kind: 'status', status: 529 }, { kind: 'status', status: 529 });
    expect(textOf(await collect(llm.stream(request())))).toBe(REPLY);
    expect(retries.map((r) => r.status)).toEqual([529, 529]);
    expect(fake.requests).toHaveLength(3);
    // Our retries replace the SDK's: every attempt is the SDK's first.
    expect(fake.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '0', '0']);
  });

  it('waits as long as a 429 retry-after asks', async () => {
    const { fake, llm, retries } = await setup({ reply: () => REPLY });
    fake.faults.push({ kind: 'status', status: 429, retryAfterSeconds: 0.25 });
    const started = performance.now();
    expect(textOf(await collect(llm.stream(request())))).toBe(REPLY);
    expect(retries).toEqual([{ status: 429, delayMs: 250 }]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('gives up at once on a non-retryable 400', async () => {
    const { fake, llm, retries } = await setup();
    fake.faults.push({ kind: 'status', status: 400 });
    const error = await collect(llm.stream(request())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'anthropic', status: 400, retryable: false });
    expect(retries).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('does not retry a stream cut after the first token: the error reaches the caller', async () => {
    const { fake, llm, retries } = await setup({ reply: () => REPLY });
    // message_start, content_block_start, ping, then one text delta.
    fake.faults.push({ kind: 'cut', afterChunks: 4 });
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const chunk of llm.stream(request()))
        if (chunk.type === 'delta') deltas.push(chunk.text);
    })().catch((e: unknown) => e);
    expect(deltas).toEqual(['It']);
    expect(error).toBeInstanceOf(ProviderError);
    expect(retries).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a stream cut before any text (after message_start)', async () => {
    const { fake, llm, retries } = await setup({ reply: () => REPLY });
    fake.faults.push({ kind: 'cut', afterChunks: 1 });
    const chunks = await collect(llm.stream(request()));
    expect(textOf(chunks)).toBe(REPLY);
    expect(retries).toHaveLength(1);
    // The input usage of the cut attempt was never reported: one usage-before-text only.
    expect(chunks.filter((c) => c.type === 'usage')).toHaveLength(2);
  });

  it('turns a hung request into a retryable timeout ProviderError', async () => {
    const { fake, llm, retries } = await setup(
      {},
      { timeoutMs: 150, retryPolicy: { ...FAST, attempts: 2 } },
    );
    fake.faults.push({ kind: 'hang' }, { kind: 'hang' });
    const error = await collect(llm.stream(request())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true, status: undefined, message: /timed out/ });
    expect(retries).toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
  });

  it('times out a stream that goes silent after its headers', async () => {
    const { llm } = await setup(
      { profile: { ...REALISTIC_PROFILE, llm: { timeToFirstTokenMs: 5_000, tokensPerSecond: 0 } } },
      { idleTimeoutMs: 100, retryPolicy: { ...FAST, attempts: 1 } },
    );
    const error = await collect(llm.stream(request())).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProviderError', retryable: true, message: /no data/ });
  });

  it('reports a wrong key as a non-retryable 401', async () => {
    const { llm, retries } = await setup({ apiKey: 'another-key' });
    await expect(collect(llm.stream(request()))).rejects.toMatchObject({
      status: 401,
      retryable: false,
    });
    expect(retries).toEqual([]);
  });
});
