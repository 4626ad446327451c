/**
 * @module providers/llm/openai-llm
 * Chat Completions streaming through the official `openai` SDK, for OpenAI itself and for any
 * server speaking the same protocol (Ollama, vLLM, llama.cpp) via `OPENAI_BASE_URL`.
 * `stream_options.include_usage` asks for the final usage chunk (`choices: []`); servers that
 * ignore it simply report no usage and callers estimate. A stream that ends without any
 * `finish_reason` is a dropped connection, reported as an error rather than a short reply.
 *
 * Models: `options.model` (config's OPENAI_MODEL, an Ollama model name, say) serves every
 * request; without it the request's model is used, except Claude names from the tier map, which
 * an OpenAI-compatible server cannot serve: those become {@link DEFAULT_OPENAI_MODEL}.
 *
 * @example
 * const llm = new OpenAiLlm({ apiKey: 'ollama', baseURL: 'http://127.0.0.1:11434/v1',
 *   model: 'llama3.2', onRetry: () => metrics.llmRetries.inc() });
 */
import { PROVIDER_MODELS } from '@atlas/protocol';
import OpenAI from 'openai';
import {
  DEFAULT_RETRY_POLICY,
  type RetryHooks,
  type RetryPolicy,
} from '../resilience/retry-policy.js';
import { truncatedStreamError } from '../sdk-errors.js';
import type { LlmCapabilities, LlmChunk, LlmProvider, LlmRequest } from './llm.js';
import { resilientSdkStream } from './sdk-stream.js';

/**
 * Used when the request names a Claude model (the tier map's default) and no `model` is set:
 * the protocol package's documented default for the OpenAI-compatible path.
 */
export const DEFAULT_OPENAI_MODEL: string = PROVIDER_MODELS.openaiChat;

export interface OpenAiLlmOptions {
  apiKey: string;
  /** OPENAI_BASE_URL, including `/v1`. Default: OpenAI's API. */
  baseURL?: string | undefined;
  /** Serve every request with this model (an Ollama/vLLM model name, say). */
  model?: string | undefined;
  /** Names this provider in errors and logs (default `openai`). */
  name?: string;
  /**
   * Which field carries the output limit. OpenAI's current field is `max_completion_tokens`
   * (reasoning models reject `max_tokens`); some compatible servers know only `max_tokens`.
   * Default: `max_completion_tokens` for OpenAI's own API, `max_tokens` when `baseURL` is set.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Wait for response headers, per attempt (default 30 s). */
  timeoutMs?: number;
  /** Longest silence between streamed chunks (default 30 s). */
  idleTimeoutMs?: number;
  retryPolicy?: RetryPolicy;
  /** Called before each retry: count it, log it. */
  onRetry?: RetryHooks['onRetry'];
}

export class OpenAiLlm implements LlmProvider {
  readonly name: string;
  readonly capabilities: LlmCapabilities = { streaming: true, usage: true };
  readonly #client: OpenAI;
  readonly #options: OpenAiLlmOptions;
  readonly #maxTokensField: 'max_tokens' | 'max_completion_tokens';

  constructor(options: OpenAiLlmOptions) {
    this.#options = options;
    this.name = options.name ?? 'openai';
    this.#maxTokensField =
      options.maxTokensField ?? (options.baseURL ? 'max_tokens' : 'max_completion_tokens');
    this.#client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      // Retries are ours (retryUntilFirstItem): counted, policy-bound, never after a token.
      maxRetries: 0,
      timeout: options.timeoutMs ?? 30_000,
    });
  }

  /** The model actually requested from the server for `requested`. */
  modelFor(requested: string): string {
    if (this.#options.model) return this.#options.model;
    return requested.startsWith('claude') ? DEFAULT_OPENAI_MODEL : requested;
  }

  stream(request: LlmRequest): AsyncIterable<LlmChunk> {
    return resilientSdkStream(
      request,
      {
        provider: this.name,
        classes: OpenAI,
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
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      ...(request.system ? [{ role: 'system' as const, content: request.system }] : []),
      ...request.messages.map((m) => ({ role: m.role, content: m.content })),
    ];
    const chunks = await this.#client.chat.completions.create(
      {
        model: this.modelFor(request.model),
        messages,
        stream: true,
        stream_options: { include_usage: true },
        ...(request.maxTokens ? { [this.#maxTokensField]: request.maxTokens } : {}),
      },
      { signal },
    );
    touch();
    let finished = false;
    for await (const chunk of chunks) {
      touch();
      const choice = chunk.choices[0];
      const text = choice?.delta?.content;
      if (text) yield { type: 'delta', text };
      if (choice?.finish_reason) finished = true;
      if (chunk.usage)
        yield {
          type: 'usage',
          inputTokens: chunk.usage.prompt_tokens,
          outputTokens: chunk.usage.completion_tokens,
        };
    }
    if (!finished && !signal.aborted) throw truncatedStreamError(this.name, 'a finish_reason');
  }
}
