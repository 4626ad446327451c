import {
  type AnthropicFake,
  type OpenAiFake,
  startAnthropicFake,
  startOpenAiFake,
} from '@atlas/fakes';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../provider-error.js';
import type { RetryPolicy } from '../resilience/retry-policy.js';
import { AnthropicLlm } from './anthropic-llm.js';
import { FallbackLlm } from './fallback-llm.js';
import type { LlmChunk, LlmProvider, LlmRequest } from './llm.js';
import { OpenAiLlm } from './openai-llm.js';
import { FakeLlmProvider } from './testing/fake-llm.js';

const FAST: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000 };

const request = (signal = new AbortController().signal): LlmRequest => ({
  model: 'claude-haiku-4-5',
  messages: [{ role: 'user', content: 'Hello' }],
  signal,
});

async function collect(iterable: AsyncIterable<LlmChunk>) {
  const chunks: LlmChunk[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
}

const textOf = (chunks: LlmChunk[]) =>
  chunks.map((c) => (c.type === 'delta' ? c.text : '')).join('');

const failure = (status: number) =>
  new ProviderError(`failed ${status}`, {
    provider: 'x',
    capability: 'llm',
    retryable: true,
    status,
  });

/** Streams one delta, then fails: a reply that has started and cannot be moved elsewhere. */
const failsAfterFirstDelta: LlmProvider = {
  name: 'flaky',
  capabilities: { streaming: true, usage: true },
  async *stream() {
    yield { type: 'delta', text: 'Half' };
    throw failure(500);
  },
};

let fakes: Array<AnthropicFake | OpenAiFake> = [];
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
});

describe('FallbackLlm', () => {
  it('fails over from Claude returning 500 to an OpenAI-compatible server, reporting the switch', async () => {
    const claudeFake = await startAnthropicFake({ reply: () => 'from Claude' });
    const openAiFake = await startOpenAiFake({ reply: () => 'from the fallback' });
    fakes.push(claudeFake, openAiFake);
    claudeFake.faults.push(...Array(3).fill({ kind: 'status', status: 500 }));
    let retries = 0;
    const claude = new AnthropicLlm({
      apiKey: 'k',
      baseURL: claudeFake.url,
      retryPolicy: FAST,
      onRetry: () => retries++,
    });
    const compatible = new OpenAiLlm({
      apiKey: 'k',
      baseURL: openAiFake.baseURL,
      model: 'llama3.2',
    });
    const switches: Array<{ from: string; to: string; error: unknown }> = [];
    const llm = new FallbackLlm([claude, compatible], {
      onFailover: (from, to, error) => switches.push({ from: from.name, to: to.name, error }),
    });

    const chunks = await collect(llm.stream(request()));
    expect(textOf(chunks)).toBe('from the fallback');
    expect(chunks.at(-1)).toMatchObject({ type: 'usage', outputTokens: 5 });
    expect(switches).toHaveLength(1);
    expect(switches[0]).toMatchObject({ from: 'anthropic', to: 'openai' });
    expect(switches[0]?.error).toMatchObject({ status: 500, provider: 'anthropic' });
    // Claude's own retries ran first (3 attempts), then the fallback was asked once.
    expect(retries).toBe(2);
    expect(claudeFake.requests).toHaveLength(3);
    expect(openAiFake.requests).toHaveLength(1);
    expect(llm.name).toBe('anthropic>openai');
  });

  it('keeps the first provider when it answers, and drops a failed provider usage', async () => {
    const first = new FakeLlmProvider({ reply: () => 'first' });
    const second = new FakeLlmProvider({ reply: () => 'second' });
    const llm = new FallbackLlm([first, second]);
    expect(textOf(await collect(llm.stream(request())))).toBe('first');
    expect(second.calls).toHaveLength(0);

    const usageThenFail: LlmProvider = {
      name: 'usage-then-fail',
      capabilities: { streaming: true, usage: true },
      async *stream() {
        yield { type: 'usage', inputTokens: 999, outputTokens: 0 };
        throw failure(529);
      },
    };
    const chunks = await collect(new FallbackLlm([usageThenFail, second]).stream(request()));
    expect(textOf(chunks)).toBe('second');
    expect(chunks.some((c) => c.type === 'usage' && c.inputTokens === 999)).toBe(false);
  });

  it('lets an error after the first delta propagate, without trying the next provider', async () => {
    const next = new FakeLlmProvider();
    const switches: string[] = [];
    const llm = new FallbackLlm([failsAfterFirstDelta, next], {
      onFailover: (from) => switches.push(from.name),
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const c of llm.stream(request())) if (c.type === 'delta') seen.push(c.text);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['Half']);
    expect(error).toMatchObject({ status: 500 });
    expect(next.calls).toHaveLength(0);
    expect(switches).toEqual([]);
  });

  it('throws the last ProviderError when every provider fails', async () => {
    const a = new FakeLlmProvider({ failures: [failure(529)] });
    const b = new FakeLlmProvider({ failures: [failure(503)] });
    const error = await collect(new FallbackLlm([a, b]).stream(request())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 503 });
  });

  it('ends quietly on abort, without failing over', async () => {
    // Rejects with the abort reason, as an SDK request aborted before its response would.
    const rejectsOnAbort: LlmProvider = {
      name: 'rejects-on-abort',
      capabilities: { streaming: true, usage: true },
      async *stream(r) {
        await new Promise((_resolve, reject) =>
          r.signal.addEventListener('abort', () => reject(r.signal.reason)),
        );
        yield* [];
      },
    };
    const next = new FakeLlmProvider();
    const llm = new FallbackLlm([rejectsOnAbort, next]);
    const chunks = await collect(llm.stream(request(AbortSignal.timeout(30))));
    expect(chunks).toEqual([]);
    expect(next.calls).toHaveLength(0);
  });
});
