/**
 * @module auth/auth-errors
 * Turns what auth-js reports (Supabase Auth error codes, HTTP statuses, fetch failures) into
 * one {@link AuthFailure} with a short code the sign-in page branches on and words for people.
 */
import { isAuthError } from '@supabase/auth-js';

export type AuthFailureCode =
  | 'invalid_credentials'
  | 'weak_password'
  | 'user_exists'
  | 'invalid_email'
  | 'rate_limited'
  | 'offline'
  | 'unreachable'
  | 'session_ended'
  | 'confirm_email'
  | 'unknown';

export class AuthFailure extends Error {
  override readonly name = 'AuthFailure';
  constructor(
    readonly code: AuthFailureCode,
    message: string,
  ) {
    super(message);
  }

  static from(error: unknown): AuthFailure {
    if (error instanceof AuthFailure) return error;
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    if (!isAuthError(error)) {
      return offline ? failures.offline() : failures.unreachable();
    }
    switch (error.code) {
      case 'invalid_credentials':
        return new AuthFailure('invalid_credentials', 'That email and password do not match.');
      case 'weak_password':
        return new AuthFailure(
          'weak_password',
          `That password is too weak. ${error.message || 'Use at least 8 characters.'}`,
        );
      case 'user_already_exists':
      case 'email_exists':
        return new AuthFailure(
          'user_exists',
          'An account with this email already exists. Sign in instead.',
        );
      case 'email_address_invalid':
      case 'validation_failed':
        return new AuthFailure('invalid_email', error.message || 'Check the email address.');
      case 'over_request_rate_limit':
      case 'over_email_send_rate_limit':
        return failures.rateLimited();
      case 'refresh_token_not_found':
      case 'refresh_token_already_used':
      case 'session_not_found':
      case 'session_expired':
      case 'user_not_found':
        return new AuthFailure('session_ended', 'Your session has ended. Please sign in again.');
    }
    if (error.status === 429) return failures.rateLimited();
    // auth-js reports fetch failures as retryable errors without an HTTP status.
    if (
      error.status === undefined ||
      error.status === 0 ||
      error.name === 'AuthRetryableFetchError'
    ) {
      return offline ? failures.offline() : failures.unreachable();
    }
    if (error.status >= 500) return failures.unreachable();
    return new AuthFailure('unknown', error.message || 'Signing in failed. Try again.');
  }
}

const failures = {
  offline: () => new AuthFailure('offline', 'You are offline. Connect to the internet to sign in.'),
  unreachable: () =>
    new AuthFailure(
      'unreachable',
      'Atlas could not be reached. Check your connection and try again.',
    ),
  rateLimited: () =>
    new AuthFailure('rate_limited', 'Too many attempts. Wait a minute and try again.'),
};
