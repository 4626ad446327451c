/**
 * @module providers/llm/anthropic-llm
 * Claude through the official `@anthropic-ai/sdk`, streaming (`messages.create({stream: true})`,
 * raw events rather than the accumulating helper: only text deltas and usage matter here).
 * Input tokens come from `message_start`, cumulative output from `message_delta`; the input
 * figure is held back until the first text delta so that "first item" means the reply has
 * started, for retries and failover alike. A stream that ends without `message_stop` (a dropped
 * connection the socket reported as a clean end) is an error, never a short reply.
 *
 * @example
 * const llm = new AnthropicLlm({ apiKey: config.providers.anthropic.apiKey,
 *   baseURL: config.providers.anthropic.baseUrl, onRetry: () => metrics.llmRetries.inc() });
 * for await (const chunk of llm.stream({ model: MODEL_MAP.studio.voice, messages, signal })) {}
 */
import Anthropic from '@anthropic-ai/sdk';
import {
  DEFAULT_RETRY_POLICY,
  type RetryHooks,
  type RetryPolicy,
} from '../resilience/retry-policy.js';
import { truncatedStreamError } from '../sdk-errors.js';
import type { LlmCapabilities, LlmChunk, LlmProvider, LlmRequest } from './llm.js';
import { resilientSdkStream } from './sdk-stream.js';

export interface AnthropicLlmOptions {
  apiKey: string;
  /** ANTHROPIC_BASE_URL; the SDK appends `/v1/messages`. Default: Anthropic's API. */
  baseURL?: string | undefined;
  /** Wait for response headers, per attempt (default 30 s). */
  timeoutMs?: number;
  /** Longest silence between streamed events (default 30 s). */
  idleTimeoutMs?: number;
  /** Used when a request gives no `maxTokens` (default 1024). */
  defaultMaxTokens?: number;
  retryPolicy?: RetryPolicy;
  /** Called before each retry: count it, log it. */
  onRetry?: RetryHooks['onRetry'];
}

export const ANTHROPIC_PROVIDER = 'anthropic';

export class AnthropicLlm implements LlmProvider {
  readonly name = ANTHROPIC_PROVIDER;
  readonly capabilities: LlmCapabilities = { streaming: true, usage: true };
  readonly #client: Anthropic;
  readonly #options: AnthropicLlmOptions;

  constructor(options: AnthropicLlmOptions) {
    this.#options = options;
    this.#client = new Anthropic({
      apiKey: options.apiKey,
      // Explicit `null`, not undefined, so a stray ANTHROPIC_AUTH_TOKEN in the environment is
      // not sent alongside the key.
      authToken: null,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      // Retries are ours (retryUntilFirstItem): counted, policy-bound, never after a token.
      maxRetries: 0,
      timeout: options.timeoutMs ?? 30_000,
    });
  }

  stream(request: LlmRequest): AsyncIterable<LlmChunk> {
    return resilientSdkStream(
      request,
      {
        provider: this.name,
        classes: Anthropic,
        retryPolicy: this.#options.retryPolicy ?? DEFAULT_RETRY_POLICY,
        onRetry: this.#options.onRetry,
        idleTimeoutMs: this.#options.idleTimeoutMs ?? 30_000,
      },
      (signal, touch) => this.#attempt(request, signal, touch),
    );
  }

  async *#attempt(
    request: LlmRequest,
    signal: AbortSignal,
    touch: () => void,
  ): AsyncGenerator<LlmChunk> {
    const events = await this.#client.messages.create(
      {
        model: request.model,
        max_tokens: request.maxTokens ?? this.#options.defaultMaxTokens ?? 1024,
        ...(request.system ? { system: request.system } : {}),
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        stream: true,
      },
      { signal },
    );
    touch();
    let inputTokens = 0;
    let outputTokens = 0;
    let started = false;
    let stopped = false;
    for await (const event of events) {
      touch();
      if (event.type === 'message_start') {
        inputTokens = event.message.usage.input_tokens;
      } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
        if (!started) {
          started = true;
          yield { type: 'usage', inputTokens, outputTokens: 0 };
        }
        yield { type: 'delta', text: event.delta.text };
      } else if (event.type === 'message_delta') {
        // Cumulative totals, overwritten, never added.
        inputTokens = event.usage.input_tokens ?? inputTokens;
        outputTokens = event.usage.output_tokens;
        yield { type: 'usage', inputTokens, outputTokens };
      } else if (event.type === 'message_stop') {
        stopped = true;
      }
    }
    if (!stopped && !signal.aborted) throw truncatedStreamError(this.name, 'message_stop');
  }
}
