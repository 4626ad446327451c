import type { ClientConfig } from '@atlas/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authStorageKey, authUrl, createGoTrueBackend } from './auth-backend.js';

const base: ClientConfig = {
  version: '1',
  voiceV2Enabled: true,
  voiceAvailable: true,
  auth: { url: null, anonKey: null },
  offline: false,
  providers: { stt: 's', llm: 'l', tts: 't' },
};

function sessionBody() {
  return {
    access_token: 'access',
    refresh_token: 'refresh',
    token_type: 'bearer',
    expires_in: 3600,
    expires_at: Math.floor(Date.now() / 1000) + 3600,
    user: {
      id: 'u1',
      email: 'ada@example.test',
      aud: 'authenticated',
      app_metadata: {},
      user_metadata: {},
      created_at: '2026-01-01T00:00:00Z',
    },
  };
}

afterEach(() => localStorage.clear());

describe('createGoTrueBackend', () => {
  it("signs in against this server's /auth/v1 and persists the session under a per-server key", async () => {
    const fetch = vi.fn(async (..._args: Parameters<typeof globalThis.fetch>) =>
      Response.json(sessionBody()),
    );
    const client = createGoTrueBackend(base, 'http://atlas.test', fetch);
    await client.stopAutoRefresh();
    const { error } = await client.signInWithPassword({
      email: 'ada@example.test',
      password: 'pw',
    });
    expect(error).toBeNull();
    expect(String(fetch.mock.calls.at(-1)?.[0])).toBe(
      'http://atlas.test/auth/v1/token?grant_type=password',
    );
    const key = authStorageKey(authUrl(base, 'http://atlas.test'));
    expect(key).toBe('atlas.auth.atlas.test');
    expect(JSON.parse(localStorage.getItem(key) ?? '{}').access_token).toBe('access');
  });

  it('uses a configured Supabase project and sends its anon key', async () => {
    const config = {
      ...base,
      auth: { url: 'https://proj.supabase.test/auth/v1', anonKey: 'anon' },
    };
    const fetch = vi.fn(async (..._args: Parameters<typeof globalThis.fetch>) =>
      Response.json(sessionBody()),
    );
    const client = createGoTrueBackend(config, 'http://atlas.test', fetch);
    await client.stopAutoRefresh();
    await client.signUp({ email: 'ada@example.test', password: 'pw-long-enough' });
    const [url, init] = fetch.mock.calls.at(-1) ?? [];
    expect(String(url)).toBe('https://proj.supabase.test/auth/v1/signup');
    const headers = new Headers(init?.headers);
    expect(headers.get('apikey')).toBe('anon');
    expect(headers.get('authorization')).toBe('Bearer anon');
  });
});
