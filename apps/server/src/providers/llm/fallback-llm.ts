/**
 * @module providers/llm/fallback-llm
 * Failover between LLM providers (Claude first, an OpenAI-compatible server next, say). A provider
 * that fails before its first text delta, after its own retries, hands the request to the next
 * one, and the switch is reported. Once a delta has reached the caller the reply cannot be
 * restarted elsewhere, so later errors propagate. Usage reported by a provider that then fails
 * before any text is dropped, so the caller's cumulative usage is one provider's, never a mix.
 *
 * @example
 * const llm = new FallbackLlm([claude, ollama], {
 *   onFailover: (from, to, error) => log.warn({ from: from.name, to: to.name, error }, 'LLM failover'),
 * });
 */
import { ProviderError } from '../provider-error.js';
import type { LlmCapabilities, LlmChunk, LlmProvider, LlmRequest } from './llm.js';

export interface FallbackLlmOptions {
  /** Called when `from` failed before its first delta and `to` is tried next. */
  onFailover?: (from: LlmProvider, to: LlmProvider, error: unknown) => void;
}

export class FallbackLlm implements LlmProvider {
  readonly name: string;
  readonly capabilities: LlmCapabilities;
  readonly #providers: readonly LlmProvider[];
  readonly #options: FallbackLlmOptions;

  constructor(providers: readonly LlmProvider[], options: FallbackLlmOptions = {}) {
    if (providers.length === 0) throw new Error('FallbackLlm needs at least one provider');
    this.#providers = providers;
    this.#options = options;
    this.name = providers.map((p) => p.name).join('>');
    this.capabilities = { streaming: true, usage: providers.every((p) => p.capabilities.usage) };
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
    let lastError: unknown;
    for (const [index, provider] of this.#providers.entries()) {
      const held: LlmChunk[] = [];
      let started = false;
      try {
        for await (const chunk of provider.stream(request)) {
          if (started) {
            yield chunk;
          } else if (chunk.type === 'delta') {
            started = true;
            yield* held;
            yield chunk;
          } else {
            held.push(chunk);
          }
        }
        // A reply with no text at all is still a complete answer.
        if (!started) yield* held;
        return;
      } catch (error) {
        if (request.signal.aborted) return;
        if (started) throw error;
        lastError = error;
        const next = this.#providers[index + 1];
        if (next) this.#options.onFailover?.(provider, next, error);
      }
    }
    throw lastError instanceof ProviderError
      ? lastError
      : new ProviderError(`every LLM provider failed: ${String(lastError)}`, {
          provider: this.name,
          capability: 'llm',
          retryable: false,
          cause: lastError,
        });
  }
}
