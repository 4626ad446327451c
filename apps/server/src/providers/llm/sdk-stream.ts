/**
 * @module providers/llm/sdk-stream
 * The resilience both SDK-backed LLM adapters share, so each adapter is only about its wire
 * format: Atlas's own retries (the SDKs run with `maxRetries: 0`, so every retry honours our
 * policy, is counted and never happens after the first item), an idle watchdog between streamed
 * events (the SDK's `timeout` only covers the wait for response headers), SDK errors mapped to
 * {@link ProviderError}, and an abort by the caller ending the stream quietly.
 */
import { ProviderError } from '../provider-error.js';
import {
  type RetryHooks,
  type RetryPolicy,
  retryUntilFirstItem,
} from '../resilience/retry-policy.js';
import { type SdkErrorClasses, toProviderError } from '../sdk-errors.js';
import type { LlmChunk, LlmRequest } from './llm.js';

export interface SdkStreamOptions {
  readonly provider: string;
  readonly classes: SdkErrorClasses;
  readonly retryPolicy: RetryPolicy;
  readonly onRetry?: RetryHooks['onRetry'];
  /** Longest silence allowed between two streamed events once the response has started. */
  readonly idleTimeoutMs: number;
}

/**
 * One attempt: `signal` aborts the SDK request (the caller's abort or the watchdog's), `touch`
 * re-arms the idle watchdog and is called once the response starts and on every event.
 */
export type SdkAttempt = (signal: AbortSignal, touch: () => void) => AsyncIterable<LlmChunk>;

export async function* resilientSdkStream(
  request: LlmRequest,
  options: SdkStreamOptions,
  attempt: SdkAttempt,
): AsyncGenerator<LlmChunk> {
  async function* once(): AsyncGenerator<LlmChunk> {
    const watchdog = new AbortController();
    const signal = AbortSignal.any([request.signal, watchdog.signal]);
    let idled = false;
    let timer: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        idled = true;
        watchdog.abort();
      }, options.idleTimeoutMs);
    };
    try {
      yield* attempt(signal, touch);
      if (idled) throw new Error('idle');
    } catch (error) {
      if (request.signal.aborted) return;
      if (idled)
        throw new ProviderError(
          `${options.provider}: no data for ${options.idleTimeoutMs} ms mid-stream`,
          { provider: options.provider, capability: 'llm', retryable: true, cause: error },
        );
      throw toProviderError(error, options.provider, options.classes);
    } finally {
      clearTimeout(timer);
    }
  }

  try {
    yield* retryUntilFirstItem(once, options.retryPolicy, {
      signal: request.signal,
      onRetry: options.onRetry,
    });
  } catch (error) {
    // An abort during a retry wait surfaces as the signal's reason: still the caller's choice.
    if (request.signal.aborted) return;
    throw error;
  }
}
