/**
 * @module providers/sdk-errors
 * Turns the errors of the Stainless-generated SDKs (`@anthropic-ai/sdk` and `openai` share the
 * same class shapes) into {@link ProviderError}, so retries and failover branch on `retryable`,
 * `status` and `retryAfterMs`, never on a vendor's class or message. Each adapter passes its own
 * SDK's classes: `instanceof` against the wrong SDK would never match.
 */
import { isRetryableStatus, type ProviderCapability, ProviderError } from './provider-error.js';

interface HeaderBag {
  get(name: string): string | null;
}

/** The shape both SDKs' `APIError` share (the fields this module reads). */
interface SdkApiError extends Error {
  readonly status: number | undefined;
  readonly headers: HeaderBag | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: SDK error constructors take varied arguments; only `instanceof` is used.
type ErrorClass<T> = abstract new (...args: any[]) => T;

export interface SdkErrorClasses {
  readonly APIError: ErrorClass<SdkApiError>;
  readonly APIConnectionError: ErrorClass<Error>;
  readonly APIConnectionTimeoutError: ErrorClass<Error>;
  readonly APIUserAbortError: ErrorClass<Error>;
}

/**
 * In-stream errors (HTTP 200 already sent) carry no status, only `error.type`; these types are
 * the transient ones (Anthropic's overloaded/api/rate-limit/timeout, OpenAI's server_error).
 */
const TRANSIENT_ERROR_TYPES = new Set([
  'overloaded_error',
  'api_error',
  'rate_limit_error',
  'timeout_error',
  'server_error',
]);

/** Network failures below the SDK (undici's `terminated`, resets) that a new request may cure. */
function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown })?.code;
  if (typeof code === 'string' && /^(UND_ERR_|ECONN|EPIPE|ETIMEDOUT|EAI_AGAIN)/.test(code))
    return true;
  return (
    error instanceof TypeError && /terminated|fetch failed|other side closed/i.test(error.message)
  );
}

/**
 * How long the vendor asked us to wait: `retry-after-ms` (ms), else `retry-after` (seconds, or an
 * HTTP date). Undefined when absent or unreadable.
 */
export function retryAfterFromHeaders(headers: HeaderBag | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers?.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function inStreamErrorType(error: SdkApiError): string | undefined {
  const direct = (error as { type?: unknown }).type;
  if (typeof direct === 'string') return direct;
  // openai keeps the parsed `{message,type}` on `error`; anthropic keeps the whole body there.
  const body = (error as { error?: unknown }).error as
    | { type?: unknown; error?: { type?: unknown } }
    | undefined;
  const type = body?.error?.type ?? body?.type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * The ProviderError for an SDK failure. Abort errors are returned unchanged: an abort is the
 * caller's decision, not a provider failure, and must end the stream quietly.
 */
export function toProviderError(
  error: unknown,
  provider: string,
  classes: SdkErrorClasses,
  capability: ProviderCapability = 'llm',
): unknown {
  if (error instanceof ProviderError) return error;
  if (error instanceof classes.APIUserAbortError) return error;
  const base = { provider, capability, cause: error };
  if (error instanceof classes.APIConnectionTimeoutError)
    return new ProviderError(`${provider}: request timed out`, { ...base, retryable: true });
  if (error instanceof classes.APIConnectionError)
    return new ProviderError(`${provider}: connection failed`, { ...base, retryable: true });
  if (error instanceof classes.APIError) {
    const status = error.status;
    if (status === undefined) {
      // An `error` event inside a 200 stream.
      const type = inStreamErrorType(error);
      return new ProviderError(`${provider}: stream error ${type ?? ''}: ${error.message}`.trim(), {
        ...base,
        retryable: type !== undefined && TRANSIENT_ERROR_TYPES.has(type),
      });
    }
    return new ProviderError(`${provider}: ${error.message}`, {
      ...base,
      retryable: isRetryableStatus(status),
      status,
      retryAfterMs: retryAfterFromHeaders(error.headers),
    });
  }
  if (isNetworkFailure(error))
    return new ProviderError(`${provider}: connection lost`, { ...base, retryable: true });
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(`${provider}: ${message}`, { ...base, retryable: false });
}

/** Raised when a stream ends cleanly at the socket but without the vendor's end marker. */
export function truncatedStreamError(provider: string, missing: string): ProviderError {
  return new ProviderError(`${provider}: stream ended without ${missing}`, {
    provider,
    capability: 'llm',
    retryable: true,
  });
}
