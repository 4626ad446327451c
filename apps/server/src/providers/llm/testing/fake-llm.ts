/**
 * @module providers/llm/testing/fake-llm
 * A scriptable in-process LLM for tests: decides its reply from the request, streams it word by
 * word after a time to first token at a given rate, honours abort, reports usage, and can fail.
 */
import { ProviderError } from '../../provider-error.js';
import { delay } from '../../testing-clock.js';
import { estimateTokens, type LlmChunk, type LlmProvider, type LlmRequest } from '../llm.js';

export interface FakeLlmOptions {
  /** The reply to a request; defaults to echoing the last user message. */
  reply?: (request: LlmRequest) => string;
  timeToFirstTokenMs?: number;
  /** Words per second after the first; 0 = all at once. */
  wordsPerSecond?: number;
  /** Throw this error before the first token (once per queued entry). */
  failures?: ProviderError[];
}

export interface FakeLlmCall {
  request: LlmRequest;
  sent: string;
  aborted: boolean;
  completed: boolean;
}

export class FakeLlmProvider implements LlmProvider {
  readonly name = 'fake-llm';
  readonly capabilities = { streaming: true, usage: true } as const;
  readonly calls: FakeLlmCall[] = [];
  readonly #options: FakeLlmOptions;
  readonly #failures: ProviderError[];

  constructor(options: FakeLlmOptions = {}) {
    this.#options = options;
    this.#failures = [...(options.failures ?? [])];
  }

  failNext(
    error: ProviderError = new ProviderError('fake LLM failure', {
      provider: 'fake',
      capability: 'llm',
      retryable: true,
      status: 529,
    }),
  ): void {
    this.#failures.push(error);
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
    const call: FakeLlmCall = { request, sent: '', aborted: false, completed: false };
    this.calls.push(call);
    const reply =
      this.#options.reply?.(request) ?? `You said: ${request.messages.at(-1)?.content ?? ''}`;
    const inputTokens = estimateTokens(
      (request.system ?? '') + request.messages.map((m) => m.content).join(' '),
    );
    const rate = this.#options.wordsPerSecond ?? 0;
    try {
      await delay(this.#options.timeToFirstTokenMs ?? 0, request.signal);
      const failure = this.#failures.shift();
      if (failure) throw failure;
      yield { type: 'usage', inputTokens, outputTokens: 0 };
      const words = reply.match(/\S+\s*/g) ?? [];
      for (const [index, word] of words.entries()) {
        if (index > 0 && rate > 0) await delay(1000 / rate, request.signal);
        if (request.signal.aborted) throw request.signal.reason;
        call.sent += word;
        yield { type: 'delta', text: word };
      }
      call.completed = true;
      yield { type: 'usage', inputTokens, outputTokens: estimateTokens(reply) };
    } catch (error) {
      if (request.signal.aborted) {
        call.aborted = true;
        return;
      }
      throw error;
    }
  }
}
