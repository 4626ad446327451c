/**
 * @module api/api-client
 * Calls Atlas's REST API with the signed-in user's bearer token, parses success bodies with the
 * protocol's zod schemas and turns every failure into an {@link ApiError}.
 */
import type { z } from 'zod';
import { ApiError } from './api-error.js';

export interface ApiClientOptions {
  /** Origin of the Atlas server; '' for the one that served the page. */
  baseUrl?: string;
  /** A fresh access token (refreshed when close to expiry), or undefined when signed out. */
  getAccessToken: () => Promise<string | undefined>;
  fetch?: typeof fetch;
  /**
   * Called when Atlas says the token is not (or no longer) valid, so the app can sign out
   * instead of failing every call. Not for `token_expired`: a refresh fixes that.
   */
  onUnauthorized?: () => void;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  /** Sent as JSON unless it is a FormData or Blob. */
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /**
   * Give up when no response has started within this long (`network` error in words). Covers
   * the wait for the response headers only, so a streamed body may take as long as it needs.
   */
  timeoutMs?: number;
}

export class ApiClient {
  readonly #baseUrl: string;
  readonly #getAccessToken: () => Promise<string | undefined>;
  readonly #fetch: typeof fetch;
  readonly #onUnauthorized: (() => void) | undefined;

  constructor(options: ApiClientOptions) {
    this.#onUnauthorized = options.onUnauthorized;
    this.#baseUrl = options.baseUrl ?? '';
    this.#getAccessToken = options.getAccessToken;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The raw response (2xx only): for streams (SSE) and binary bodies. */
  async raw(path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    const token = await this.#getAccessToken();
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (options.body instanceof FormData || options.body instanceof Blob) body = options.body;
    else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const deadline = options.timeoutMs === undefined ? undefined : new AbortController();
    const signal =
      deadline === undefined
        ? options.signal
        : options.signal === undefined
          ? deadline.signal
          : AbortSignal.any([options.signal, deadline.signal]);
    const timer =
      deadline === undefined ? undefined : setTimeout(() => deadline.abort(), options.timeoutMs);
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        method: options.method ?? 'GET',
        headers,
        body,
        signal,
      });
    } catch (error) {
      if (deadline?.signal.aborted === true && options.signal?.aborted !== true) {
        throw new ApiError('network', 'Atlas did not answer in time.');
      }
      throw ApiError.fromThrown(error);
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      const error = await ApiError.fromResponse(response);
      if (error.code === 'unauthorized' || error.code === 'token_invalid') this.#onUnauthorized?.();
      throw error;
    }
    return response;
  }

  /** A JSON call whose answer is checked against `schema`. */
  async json<S extends z.ZodType>(
    path: string,
    schema: S,
    options: RequestOptions = {},
  ): Promise<z.infer<S>> {
    const response = await this.raw(path, options);
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw ApiError.fromThrown(error);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new ApiError('internal', `Atlas sent an unexpected answer for ${path}.`, 200);
    }
    return parsed.data;
  }

  /** A call answered with no body (204) or one the caller does not need. */
  async send(path: string, options: RequestOptions = {}): Promise<void> {
    const response = await this.raw(path, options);
    await response.body?.cancel();
  }
}
