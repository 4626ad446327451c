import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { ProviderError } from './provider-error.js';
import { retryAfterFromHeaders, toProviderError } from './sdk-errors.js';

describe('toProviderError', () => {
  it('maps HTTP errors by status, with retry-after', () => {
    const headers = new Headers({ 'retry-after': '2' });
    const limited = toProviderError(
      new Anthropic.RateLimitError(429, { type: 'error' }, 'slow down', headers),
      'anthropic',
      Anthropic,
    );
    expect(limited).toMatchObject({
      status: 429,
      retryable: true,
      retryAfterMs: 2000,
      provider: 'anthropic',
    });
    const bad = toProviderError(
      new OpenAI.BadRequestError(400, {}, 'bad', new Headers()),
      'openai',
      OpenAI,
    );
    expect(bad).toMatchObject({ status: 400, retryable: false });
  });

  it('maps in-stream error events (no status) by their error type', () => {
    const overloaded = new Anthropic.APIError(
      undefined,
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      undefined,
      new Headers(),
      'overloaded_error',
    );
    expect(toProviderError(overloaded, 'anthropic', Anthropic)).toMatchObject({
      retryable: true,
      status: undefined,
    });
    const invalid = new Anthropic.APIError(
      undefined,
      { type: 'error', error: { type: 'invalid_request_error' } },
      undefined,
      new Headers(),
    );
    expect(toProviderError(invalid, 'anthropic', Anthropic)).toMatchObject({ retryable: false });
    const server = new OpenAI.APIError(
      undefined,
      { message: 'oops', type: 'server_error' },
      undefined,
      new Headers(),
    );
    expect(toProviderError(server, 'openai', OpenAI)).toMatchObject({ retryable: true });
  });

  it('keeps aborts as they are and treats connection failures as retryable', () => {
    const abort = new Anthropic.APIUserAbortError();
    expect(toProviderError(abort, 'anthropic', Anthropic)).toBe(abort);
    expect(toProviderError(new OpenAI.APIConnectionTimeoutError(), 'openai', OpenAI)).toMatchObject(
      {
        retryable: true,
        message: 'openai: request timed out',
      },
    );
    expect(toProviderError(new TypeError('terminated'), 'openai', OpenAI)).toMatchObject({
      retryable: true,
    });
    const bug = toProviderError(new RangeError('a bug'), 'openai', OpenAI);
    expect(bug).toBeInstanceOf(ProviderError);
    expect(bug).toMatchObject({ retryable: false });
  });
});

describe('retryAfterFromHeaders', () => {
  it('prefers retry-after-ms, reads seconds and HTTP dates, ignores garbage', () => {
    expect(
      retryAfterFromHeaders(new Headers({ 'retry-after-ms': '150', 'retry-after': '9' })),
    ).toBe(150);
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': '0.5' }))).toBe(500);
    const inTwoSeconds = new Date(Date.now() + 2_000).toUTCString();
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': inTwoSeconds }))).toBeGreaterThan(0);
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterFromHeaders(undefined)).toBeUndefined();
  });
});
