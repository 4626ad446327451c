/**
 * @module api/config
 * Loads the served client configuration (`GET /v1/config`) the whole app starts from, with a
 * timeout so an unreachable Atlas shows the retry screen instead of a blank page.
 */
import { type ClientConfig, clientConfigSchema } from '@atlas/protocol';
import { ApiClient } from './api-client.js';
import { ApiError } from './api-error.js';

export interface LoadConfigOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Gives up after this long (default 10 s): a hung server must not hang the app. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function loadClientConfig(options: LoadConfigOptions = {}): Promise<ClientConfig> {
  const api = new ApiClient({
    baseUrl: options.baseUrl ?? '',
    getAccessToken: async () => undefined,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal =
    options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  try {
    return await api.json('/v1/config', clientConfigSchema, { signal });
  } catch (error) {
    if (timeout.aborted) {
      throw new ApiError('network', 'Atlas did not answer in time.');
    }
    throw error;
  }
}
