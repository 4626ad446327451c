/**
 * @module providers/provider-error
 * The error every provider adapter raises, retry-aware like LiveKit's `APIError`: callers
 * (retries, failover, the gateway) branch on `retryable` and `status`, never on text.
 */
export type ProviderCapability = 'stt' | 'llm' | 'tts';

export interface ProviderErrorOptions {
  provider: string;
  capability: ProviderCapability;
  retryable: boolean;
  /** HTTP status or WebSocket close code, when the vendor gave one. */
  status?: number | undefined;
  /** Milliseconds the vendor asked us to wait (`retry-after`). */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly provider: string;
  readonly capability: ProviderCapability;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: ProviderErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.provider = options.provider;
    this.capability = options.capability;
    this.retryable = options.retryable;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** 408, 429, 5xx and Anthropic's 529 can succeed on a later try; other 4xx cannot. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { name?: unknown }).name === 'AbortError' ||
      (error as { name?: unknown }).name === 'APIUserAbortError')
  );
}
