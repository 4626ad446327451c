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
});
