import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ApiClient } from './api-client.js';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('ApiClient', () => {
  it('sends the bearer token and parses the answer with the schema', async () => {
    const fetch = vi.fn(async () => json({ ok: true }));
    const api = new ApiClient({ getAccessToken: async () => 'tok', fetch });
    expect(await api.json('/v1/x', z.object({ ok: z.boolean() }))).toEqual({ ok: true });
    expect(fetch).toHaveBeenCalledWith(
      '/v1/x',
      expect.objectContaining({ headers: { authorization: 'Bearer tok' } }),
    );
  });

  it('reports a token Atlas refuses (not an expired one) so the app can sign out', async () => {
    const onUnauthorized = vi.fn();
    let answer = json({ code: 'token_invalid', message: 'bad' }, 401);
    const api = new ApiClient({
      getAccessToken: async () => 'tok',
      fetch: async () => answer,
      onUnauthorized,
    });
    await expect(api.send('/v1/x')).rejects.toMatchObject({ code: 'token_invalid' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);

    answer = json({ code: 'token_expired', message: 'old' }, 401);
    await expect(api.send('/v1/x')).rejects.toMatchObject({ code: 'token_expired' });
    answer = json({ code: 'rate_limited', message: 'slow' }, 429);
    await expect(api.send('/v1/x')).rejects.toMatchObject({ code: 'rate_limited' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('gives up when no response starts in time, but never cuts a response that started', async () => {
    const hung: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const api = new ApiClient({ getAccessToken: async () => undefined, fetch: hung });
    await expect(api.send('/v1/x', { timeoutMs: 10 })).rejects.toMatchObject({
      code: 'network',
      message: 'Atlas did not answer in time.',
    });

    let seen: AbortSignal | undefined;
    const streaming = new ApiClient({
      getAccessToken: async () => undefined,
      fetch: async (_input, init) => {
        seen = init?.signal ?? undefined;
        return new Response('data: x\n\n');
      },
    });
    await streaming.raw('/v1/stream', { timeoutMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(seen?.aborted).toBe(false);
  });
});
