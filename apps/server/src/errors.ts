/**
 * @module errors
 * The server's one error type. Codes, statuses and retryability come from the catalogue in
 * `@atlas/protocol`, so the HTTP edge, the voice gateway and the web app agree on them.
 *
 * @example
 * throw new AtlasError('token_expired');
 * throw new AtlasError('validation_failed', 'title is too long', { details: { max: 200 } });
 */
import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode } from '@atlas/protocol';

export interface AtlasErrorOptions {
  details?: unknown;
  cause?: unknown;
}

export class AtlasError extends Error {
  override readonly name = 'AtlasError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options: AtlasErrorOptions = {}) {
    const spec = ERROR_CATALOGUE[code];
    super(
      message ?? spec.message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.status = spec.status;
    this.retryable = spec.retryable;
    this.details = options.details;
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isAtlasError(value: unknown): value is AtlasError {
  return value instanceof AtlasError;
}
