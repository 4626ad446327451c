import 'fake-indexeddb/auto';
import type { ClientConfig } from '@atlas/protocol';
import { AuthApiError, type AuthChangeEvent, type Session } from '@supabase/auth-js';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthBackend, AuthResult } from '../auth/auth-backend.js';
import { AuthSession } from '../auth/auth-session.js';
import { App, safeNext } from './App.js';
import { HistoryRouter } from './router.js';

const pages = vi.hoisted(() => ({ callCrashes: false }));
vi.mock('../voice/CallPage.js', () => ({
  CallPage: () => {
    if (pages.callCrashes) throw new Error('microphone exploded');
    return <p>Call page</p>;
  },
}));
vi.mock('../usage/UsagePage.js', () => ({ UsagePage: () => <p>Usage page</p> }));

const CONFIG: ClientConfig = {
  version: '1',
  voiceV2Enabled: true,
  voiceAvailable: true,
  auth: { url: null, anonKey: null },
  offline: true,
  providers: { stt: 's', llm: 'offline', tts: 't' },
};

function session(): Session {
  return {
    access_token: 'token',
    refresh_token: 'refresh',
    token_type: 'bearer',
    expires_in: 3600,
    expires_at: Math.floor(Date.now() / 1000) + 3600,
    user: {
      id: `user-${Math.random().toString(36).slice(2)}`,
      email: 'ada@example.test',
      aud: 'authenticated',
      app_metadata: {},
      user_metadata: {},
      created_at: '2026-01-01T00:00:00Z',
    },
  };
}

function backend(
  stored: Session | null,
): AuthBackend & { signInWithPassword: ReturnType<typeof vi.fn> } {
  const ok = (s: Session | null): AuthResult => ({ data: { session: s }, error: null });
  return {
    getSession: async () => ok(stored),
    refreshSession: async () => ok(stored),
    signInWithPassword: vi.fn(async (): Promise<AuthResult> => ok(session())),
    signUp: async () => ok(session()),
    signOut: async () => ({ error: null }),
    onAuthStateChange: (_callback: (event: AuthChangeEvent, s: Session | null) => void) => ({
      data: { subscription: { unsubscribe: () => {} } },
    }),
  };
}

beforeEach(() => {
  // Atlas answers the chat's sync with nothing new; every other call is not needed here.
  vi.stubGlobal(
    'fetch',
    vi.fn(async () =>
      Response.json({ conversations: [], messages: [], nextCursor: null, hasMore: false }),
    ),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderApp(path: string, stored: Session | null) {
  window.history.replaceState(null, '', path);
  const auth = new AuthSession({ backend: backend(stored), storageKey: 'k', eventTarget: null });
  const router = new HistoryRouter(window);
  render(<App config={CONFIG} auth={auth} router={router} />);
  return { auth, router };
}

describe('App', () => {
  it('sends a signed-out deep link to sign-in and back after signing in', async () => {
    const { auth } = renderApp('/usage', null);
    await screen.findByTestId('auth-email');
    expect(window.location.pathname + window.location.search).toBe('/signin?next=%2Fusage');

    fireEvent.change(screen.getByTestId('auth-email'), { target: { value: 'ada@example.test' } });
    fireEvent.change(screen.getByTestId('auth-password'), { target: { value: 'pw-long-enough' } });
    fireEvent.click(screen.getByTestId('auth-submit'));
    expect(await screen.findByText('Usage page')).toBeTruthy();
    expect(window.location.pathname).toBe('/usage');
    expect(auth.state.status).toBe('signed-in');
  });

  it('shows sign-in errors in words', async () => {
    const { auth } = renderApp('/signin', null);
    await screen.findByTestId('auth-email');
    const signIn = vi
      .spyOn(auth, 'signIn')
      .mockRejectedValueOnce(
        new AuthApiError('Invalid login credentials', 400, 'invalid_credentials'),
      );
    fireEvent.change(screen.getByTestId('auth-email'), { target: { value: 'ada@example.test' } });
    fireEvent.change(screen.getByTestId('auth-password'), { target: { value: 'wrong' } });
    fireEvent.click(screen.getByTestId('auth-submit'));
    expect((await screen.findByTestId('auth-error')).textContent).toBe(
      'That email and password do not match.',
    );
    expect(signIn).toHaveBeenCalledWith({ email: 'ada@example.test', password: 'wrong' });

    fireEvent.click(screen.getByTestId('auth-mode-toggle'));
    expect(screen.getByTestId('auth-submit').textContent).toBe('Create account');
    fireEvent.change(screen.getByTestId('auth-password'), { target: { value: 'short' } });
    fireEvent.click(screen.getByTestId('auth-submit'));
    expect(screen.getByTestId('auth-error').textContent).toContain('at least 8 characters');
  });

  it('renders the signed-in shell with navigation, the offline banner and sign-out', async () => {
    renderApp('/', session());
    const shell = await screen.findByTestId('app-shell');
    expect(shell.textContent).toContain('ada@example.test');
    expect(screen.getByTestId('offline-banner').textContent).toContain('no provider keys are set');
    expect(await screen.findByTestId('new-conversation')).toBeTruthy();

    fireEvent.click(screen.getByTestId('nav-call'));
    expect(await screen.findByText('Call page')).toBeTruthy();
    expect(screen.getByTestId('nav-call').getAttribute('aria-current')).toBe('page');
    fireEvent.click(screen.getByTestId('nav-usage'));
    expect(await screen.findByText('Usage page')).toBeTruthy();

    fireEvent.click(screen.getByTestId('sign-out'));
    await screen.findByTestId('auth-email');
    await waitFor(() => expect(window.location.pathname).toBe('/signin'));
  });
});

describe('App page boundaries', () => {
  it('keeps a crashed page inside its boundary and leaves it behind on navigation', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    pages.callCrashes = true;
    renderApp('/call', session());
    expect((await screen.findByTestId('error-call')).textContent).toContain('microphone exploded');
    fireEvent.click(screen.getByTestId('nav-usage'));
    expect(await screen.findByText('Usage page')).toBeTruthy();
    expect(screen.queryByTestId('error-call')).toBeNull();
    expect(screen.queryByTestId('error-usage')).toBeNull();
    pages.callCrashes = false;
  });
});

describe('safeNext', () => {
  it.each([
    [null, '/'],
    ['/usage', '/usage'],
    ['/chat/abc?x=1', '/chat/abc?x=1'],
    ['//evil.example', '/'],
    ['https://evil.example', '/'],
    ['/\\evil.example', '/'],
    ['/signin', '/'],
  ])('%s → %s', (raw, expected) => {
    expect(safeNext(raw)).toBe(expected);
  });
});
