/**
 * @module providers/resilience/retry-policy
 * Retries for calls to AI providers: exponential backoff with full jitter, honouring the
 * vendor's `retry-after`, only for retryable failures (408, 429, 5xx, 529, connection errors),
 * and for streams never once the first item has reached the caller: a reply the user has
 * started to hear cannot be restarted.
 */
import { backoffDelay } from '../../db/retry.js';
import { isAbortError, ProviderError } from '../provider-error.js';

export interface RetryPolicy {
  /** Total attempts including the first. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A `retry-after` longer than this is not waited for: the call fails (or fails over) instead. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 4_000,
  maxRetryAfterMs: 10_000,
};

export interface RetryHooks {
  signal?: AbortSignal | undefined;
  /** Called before each retry (for logs and the retries counter). */
  onRetry?: ((error: ProviderError, attempt: number, delayMs: number) => void) | undefined;
  random?: () => number;
}

function waitFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The delay before retry `attempt`, or undefined when the error must not be retried. */
export function retryDelay(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
  random = Math.random,
): number | undefined {
  if (!(error instanceof ProviderError) || !error.retryable || attempt >= policy.attempts)
    return undefined;
  const backoff = backoffDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, random);
  if (error.retryAfterMs === undefined) return backoff;
  if (error.retryAfterMs > policy.maxRetryAfterMs) return undefined;
  return Math.max(error.retryAfterMs, backoff);
}

/** Runs `call` until it succeeds, fails for good, or the attempts are spent. */
export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  hooks: RetryHooks = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      if (isAbortError(error) || hooks.signal?.aborted) throw error;
      const delayMs = retryDelay(error, attempt, policy, hooks.random);
      if (delayMs === undefined) throw error;
      hooks.onRetry?.(error as ProviderError, attempt, delayMs);
      await waitFor(delayMs, hooks.signal);
    }
  }
}

/**
 * Streams from `open()`, retrying a failed attempt only while it has yielded nothing; once the
 * first item is out, a failure is the caller's to handle.
 */
export async function* retryUntilFirstItem<T>(
  open: (attempt: number) => AsyncIterable<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  hooks: RetryHooks = {},
): AsyncGenerator<T> {
  for (let attempt = 1; ; attempt++) {
    let yielded = false;
    try {
      for await (const item of open(attempt)) {
        yielded = true;
        yield item;
      }
      return;
    } catch (error) {
      if (yielded || isAbortError(error) || hooks.signal?.aborted) throw error;
      const delayMs = retryDelay(error, attempt, policy, hooks.random);
      if (delayMs === undefined) throw error;
      hooks.onRetry?.(error as ProviderError, attempt, delayMs);
      await waitFor(delayMs, hooks.signal);
    }
  }
}
