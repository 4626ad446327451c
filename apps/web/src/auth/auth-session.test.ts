import {
  AuthApiError,
  type AuthChangeEvent,
  AuthRetryableFetchError,
  type Session,
} from '@supabase/auth-js';
import { describe, expect, it, vi } from 'vitest';
import type { AuthBackend, AuthResult } from './auth-backend.js';
import { AuthSession } from './auth-session.js';

const NOW = 1_800_000_000_000;

function session(token: string, expiresInSeconds: number, now = NOW): Session {
  return {
    access_token: token,
    refresh_token: `refresh-${token}`,
    token_type: 'bearer',
    expires_in: expiresInSeconds,
    expires_at: Math.floor(now / 1000) + expiresInSeconds,
    user: {
      id: 'user-1',
      email: 'ada@example.test',
      aud: 'authenticated',
      app_metadata: {},
      user_metadata: {},
      created_at: '2026-01-01T00:00:00Z',
    },
  };
}

const ok = (value: Session | null): AuthResult => ({ data: { session: value }, error: null });

class FakeBackend implements AuthBackend {
  stored: Session | null = null;
  emit: ((event: AuthChangeEvent, session: Session | null) => void) | null = null;
  unsubscribed = false;
  getSession = vi.fn(async () => ok(this.stored));
  refreshSession = vi.fn(async (): Promise<AuthResult> => ok(session('refreshed', 3600)));
  signInWithPassword = vi.fn(async (): Promise<AuthResult> => ok(session('signed-in', 3600)));
  signUp = vi.fn(async (): Promise<AuthResult> => ok(session('signed-up', 3600)));
  signOut = vi.fn(async () => ({ error: null }));
  onAuthStateChange(callback: (event: AuthChangeEvent, session: Session | null) => void) {
    this.emit = callback;
    return {
      data: {
        subscription: {
          unsubscribe: () => {
            this.unsubscribed = true;
          },
        },
      },
    };
  }
}

async function started(stored: Session | null, now = () => NOW) {
  const backend = new FakeBackend();
  backend.stored = stored;
  const target = new EventTarget() as unknown as Window;
  const auth = new AuthSession({
    backend,
    storageKey: 'atlas.auth.test',
    now,
    eventTarget: target,
  });
  await auth.start();
  return { backend, auth, target };
}

describe('AuthSession', () => {
  it('starts signed out without a stored session and signed in with one', async () => {
    expect((await started(null)).auth.state).toEqual({ status: 'signed-out' });
    const { auth } = await started(session('stored', 3600));
    expect(auth.state).toMatchObject({
      status: 'signed-in',
      userId: 'user-1',
      email: 'ada@example.test',
    });
  });

  it('hands out the current token while it has more than a minute left', async () => {
    const { auth, backend } = await started(session('stored', 3600));
    expect(await auth.getAccessToken()).toBe('stored');
    expect(backend.refreshSession).not.toHaveBeenCalled();
  });

  it('refreshes once, for every concurrent caller, when under 60 s remain', async () => {
    let now = NOW;
    const { auth, backend } = await started(session('stored', 3600), () => now);
    now = NOW + (3600 - 59) * 1000;
    backend.refreshSession.mockImplementation(async () => ok(session('refreshed', 3600, now)));
    const tokens = await Promise.all([
      auth.getAccessToken(),
      auth.getAccessToken(),
      auth.getAccessToken(),
    ]);
    expect(tokens).toEqual(['refreshed', 'refreshed', 'refreshed']);
    expect(backend.refreshSession).toHaveBeenCalledTimes(1);
    // The refreshed session is the new state; it is fresh, so no further refresh.
    expect(await auth.getAccessToken()).toBe('refreshed');
    expect(backend.refreshSession).toHaveBeenCalledTimes(1);
  });

  it('signs out when the server refuses the refresh token', async () => {
    const { auth, backend } = await started(session('stored', 30));
    backend.refreshSession.mockResolvedValueOnce({
      data: { session: null },
      error: new AuthApiError(
        'Invalid Refresh Token: Already Used',
        400,
        'refresh_token_already_used',
      ),
    });
    expect(await auth.getAccessToken()).toBeUndefined();
    expect(auth.state.status).toBe('signed-out');
  });

  it('keeps the session and the old token when the refresh cannot reach the server', async () => {
    const { auth, backend } = await started(session('stored', 30));
    backend.refreshSession.mockResolvedValueOnce({
      data: { session: null },
      error: new AuthRetryableFetchError('Failed to fetch', 0),
    });
    expect(await auth.getAccessToken()).toBe('stored');
    expect(auth.state.status).toBe('signed-in');
  });

  it('does not hang when the refresh never answers: the current token is used', async () => {
    const backend = new FakeBackend();
    backend.stored = session('stored', 30);
    backend.refreshSession.mockReturnValueOnce(new Promise<AuthResult>(() => {}));
    const auth = new AuthSession({
      backend,
      storageKey: 'atlas.auth.test',
      now: () => NOW,
      eventTarget: null,
      storage: null,
      refreshTimeoutMs: 10,
      requestTimeoutMs: 10,
    });
    await auth.start();
    expect(await auth.getAccessToken()).toBe('stored');
    expect(auth.state.status).toBe('signed-in');

    // Signing out of a hung server still signs out here.
    backend.signOut.mockReturnValueOnce(new Promise<{ error: null }>(() => {}));
    await auth.signOut();
    expect(auth.state.status).toBe('signed-out');

    // Sign-in against a hung server ends in words too.
    backend.signInWithPassword.mockReturnValueOnce(new Promise<AuthResult>(() => {}));
    await expect(auth.signIn({ email: 'a@b.c', password: 'x' })).rejects.toMatchObject({
      code: 'unreachable',
      message: 'Atlas did not answer in time. Try again.',
    });
  });

  it('signs in and up, and turns refusals into words', async () => {
    const { auth, backend } = await started(null);
    const seen: string[] = [];
    auth.subscribe(() => seen.push(auth.state.status));
    await auth.signIn({ email: 'ada@example.test', password: 'pw' });
    expect(auth.state.status).toBe('signed-in');
    expect(seen).toEqual(['signed-in']);

    backend.signUp.mockResolvedValueOnce({
      data: { session: null },
      error: new AuthApiError('User already registered', 422, 'user_already_exists'),
    });
    await expect(auth.signUp({ email: 'ada@example.test', password: 'pw' })).rejects.toMatchObject({
      code: 'user_exists',
      message: 'An account with this email already exists. Sign in instead.',
    });
    backend.signInWithPassword.mockResolvedValueOnce({
      data: { session: null },
      error: new AuthApiError('Invalid login credentials', 400, 'invalid_credentials'),
    });
    await expect(auth.signIn({ email: 'a@b.c', password: 'x' })).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    backend.signInWithPassword.mockResolvedValueOnce({
      data: { session: null },
      error: new AuthApiError('Request rate limit reached', 429, 'over_request_rate_limit'),
    });
    await expect(auth.signIn({ email: 'a@b.c', password: 'x' })).rejects.toMatchObject({
      code: 'rate_limited',
    });
    backend.signUp.mockResolvedValueOnce({
      data: { session: null },
      error: new AuthApiError('Password should be at least 8 characters.', 422, 'weak_password'),
    });
    await expect(auth.signUp({ email: 'a@b.c', password: 'x' })).rejects.toMatchObject({
      code: 'weak_password',
    });
    backend.signInWithPassword.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(auth.signIn({ email: 'a@b.c', password: 'x' })).rejects.toMatchObject({
      code: 'unreachable',
    });
  });

  it('is signed out locally even when the server cannot be told', async () => {
    const { auth, backend } = await started(session('stored', 3600));
    backend.signOut.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await auth.signOut();
    expect(auth.state.status).toBe('signed-out');
    expect(backend.signOut).toHaveBeenCalledWith({ scope: 'local' });
  });

  it('follows sign-out in another tab (auth event and storage removal)', async () => {
    const first = await started(session('stored', 3600));
    first.backend.emit?.('SIGNED_OUT', null);
    expect(first.auth.state.status).toBe('signed-out');

    const second = await started(session('stored', 3600));
    const other = new Event('storage') as StorageEvent;
    Object.assign(other, { key: 'another.key', newValue: null });
    second.target.dispatchEvent(other);
    expect(second.auth.state.status).toBe('signed-in');
    const removal = new Event('storage') as StorageEvent;
    Object.assign(removal, { key: 'atlas.auth.test', newValue: null });
    second.target.dispatchEvent(removal);
    expect(second.auth.state.status).toBe('signed-out');
  });

  it('stays signed in with the stored session when offline with an expired token', async () => {
    const stored = session('expired', -60);
    const backend = new FakeBackend();
    backend.getSession.mockResolvedValueOnce({
      data: { session: null },
      error: new AuthRetryableFetchError('Failed to fetch', 0),
    });
    const auth = new AuthSession({
      backend,
      storageKey: 'atlas.auth.test',
      now: () => NOW,
      eventTarget: null,
      storage: { getItem: (key) => (key === 'atlas.auth.test' ? JSON.stringify(stored) : null) },
    });
    await auth.start();
    expect(auth.state).toMatchObject({ status: 'signed-in', userId: 'user-1' });

    // Without a readable stored session it is signed out, as before.
    const other = new FakeBackend();
    other.getSession.mockResolvedValueOnce({
      data: { session: null },
      error: new AuthRetryableFetchError('Failed to fetch', 0),
    });
    const signedOut = new AuthSession({
      backend: other,
      storageKey: 'atlas.auth.test',
      eventTarget: null,
      storage: { getItem: () => '{not json' },
    });
    await signedOut.start();
    expect(signedOut.state.status).toBe('signed-out');
  });

  it('stop() unsubscribes from auth events and storage', async () => {
    const { auth, backend, target } = await started(session('stored', 3600));
    auth.stop();
    expect(backend.unsubscribed).toBe(true);
    const removal = new Event('storage') as StorageEvent;
    Object.assign(removal, { key: 'atlas.auth.test', newValue: null });
    target.dispatchEvent(removal);
    expect(auth.state.status).toBe('signed-in');
  });
});
