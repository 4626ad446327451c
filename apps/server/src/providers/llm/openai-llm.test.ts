import {
  type OpenAiFake,
  type OpenAiFakeOptions,
  REALISTIC_PROFILE,
  startOpenAiFake,
} from '@atlas/fakes';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../provider-error.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import { estimateTokens, type LlmChunk, type LlmRequest } from './llm.js';
import { DEFAULT_OPENAI_MODEL, OpenAiLlm, type OpenAiLlmOptions } from './openai-llm.js';

/** Fast retries for tests; `retry-after` still wins when the server sends one. */
const FAST: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000 };

let fake: OpenAiFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(fakeOptions: OpenAiFakeOptions = {}, llm: Partial<OpenAiLlmOptions> = {}) {
  fake = await startOpenAiFake({ apiKey: 'sk-test', ...fakeOptions });
  const retries: Array<{ status: number | undefined; delayMs: number }> = [];
  const adapter = new OpenAiLlm({
    apiKey: 'sk-test',
    baseURL: fake.baseURL,
    retryPolicy: FAST,
    onRetry: (error, _attempt, delayMs) => retries.push({ status: error.status, delayMs }),
    ...llm,
  });
  return { fake, llm: adapter, retries };
}

const request = (signal = new AbortController().signal, model = 'llama3.2'): LlmRequest => ({
  model,
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

describe('OpenAiLlm against the OpenAI fake, through the official SDK', () => {
  it('streams the text deltas and reads usage from the final include_usage chunk', async () => {
    const { fake, llm, retries } = await setup({ reply: () => REPLY });
    const chunks = await collect(llm.stream(request()));
    expect(textOf(chunks)).toBe(REPLY);
    expect(chunks.filter((c) => c.type === 'delta').length).toBeGreaterThan(1);
    expect(chunks.filter((c) => c.type === 'usage')).toEqual([
      {
        type: 'usage',
        inputTokens: estimateTokens('You are Atlas. What is the weather? Where are you? Lisbon'),
        outputTokens: estimateTokens(REPLY),
      },
    ]);
    expect(retries).toEqual([]);
    expect(fake.requests[0]?.body).toEqual({
      model: 'llama3.2',
      stream: true,
      stream_options: { include_usage: true },
      // A custom base URL means an OpenAI-compatible server: the widely known field.
      max_tokens: 200,
      messages: [
        { role: 'system', content: 'You are Atlas.' },
        { role: 'user', content: 'What is the weather?' },
        { role: 'assistant', content: 'Where are you?' },
        { role: 'user', content: 'Lisbon' },
      ],
    });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it('asks for its own model instead of a Claude one, or the configured model always', async () => {
    const plain = await setup();
    await collect(plain.llm.stream(request(undefined, 'claude-haiku-4-5')));
    expect(plain.fake.requests[0]?.body).toMatchObject({ model: DEFAULT_OPENAI_MODEL });
    await plain.fake.close();
    const pinned = await setup(
      {},
      { model: 'qwen2.5:7b', maxTokensField: 'max_completion_tokens' },
    );
    await collect(pinned.llm.stream(request(undefined, 'gpt-4o')));
    expect(pinned.fake.requests[0]?.body).toMatchObject({
      model: 'qwen2.5:7b',
      max_completion_tokens: 200,
    });
  });

  it('ends quietly when aborted mid-stream, before the response, or while waiting to retry', async () => {
    const { fake, llm } = await setup({
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
    fake.faults.push({ kind: 'hang' }, { kind: 'status', status: 429, retryAfterSeconds: 1 });
    for (const _fault of ['hang', '429'])
      expect(await collect(llm.stream(request(AbortSignal.timeout(60))))).toEqual([]);
  });

  it('retries two 503s, counting both, then streams the reply', async () => {
    const { fake, llm, retries } = await setup({ reply: () => REPLY });
    fake.faults.push({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    expect(textOf(await collect(llm.stream(request())))).toBe(REPLY);
    expect(retries.map((r) => r.status)).toEqual([503, 503]);
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
    expect(error).toMatchObject({ provider: 'openai', status: 400, retryable: false });
    expect(retries).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('does not retry a stream cut after the first token: the error reaches the caller', async () => {
    const { fake, llm, retries } = await setup({ reply: () => REPLY });
    // The role chunk, then one content chunk.
    fake.faults.push({ kind: 'cut', afterChunks: 2 });
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

  it('reports a wrong key as a non-retryable 401', async () => {
    const { llm, retries } = await setup({ apiKey: 'another-key' });
    await expect(collect(llm.stream(request()))).rejects.toMatchObject({
      status: 401,
      retryable: false,
    });
    expect(retries).toEqual([]);
  });
});
