/**
 * @module auth/auth-session
 * The signed-in state the app renders from: wraps the GoTrue client with a subscribable
 * snapshot, a fresh-token getter that refreshes shortly before expiry (once, however many callers
 * ask at the same time), sign in/up/out that throw {@link AuthFailure}s with words for people,
 * and sign-out made in another tab (auth-js's BroadcastChannel, plus the `storage` event).
 */
import { isAuthRetryableFetchError, type Session } from '@supabase/auth-js';
import type { Logger } from '../app/logger.js';
import type { AuthBackend, AuthResult, Credentials } from './auth-backend.js';
import { AuthFailure } from './auth-errors.js';

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-out' }
  | { status: 'signed-in'; session: Session; userId: string; email: string };

export interface AuthSessionOptions {
  backend: AuthBackend;
  /** The localStorage key the backend persists the session under (for cross-tab sign-out). */
  storageKey: string;
  /** Milliseconds since the epoch; injected so tests control expiry. */
  now?: () => number;
  /** Refresh when the token has less than this left (default 60 s). */
  refreshMarginMs?: number;
  /**
   * Give up waiting for a refresh after this long (default 10 s) and use the current token:
   * a hung auth server must not hang every request behind it.
   */
  refreshTimeoutMs?: number;
  /** Sign in and sign up give up after this long (default 20 s) with an error in words. */
  requestTimeoutMs?: number;
  logger?: Logger;
  /** Where `storage` events come from; null to not listen (tests, workers). */
  eventTarget?: Pick<Window, 'addEventListener' | 'removeEventListener'> | null;
  /** Where the backend persists the session (read directly only when offline at start). */
  storage?: Pick<Storage, 'getItem'> | null;
}

const LOADING: AuthState = { status: 'loading' };
const SIGNED_OUT: AuthState = { status: 'signed-out' };

function stateOf(session: Session | null): AuthState {
  if (session === null) return SIGNED_OUT;
  return {
    status: 'signed-in',
    session,
    userId: session.user.id,
    email: session.user.email ?? '',
  };
}

/** Resolves `'timed-out'` if `promise` has not settled within `ms`; leaves no timer behind. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timed-out'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<'timed-out'>((resolve) => {
        timer = setTimeout(() => resolve('timed-out'), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export class AuthSession {
  readonly #backend: AuthBackend;
  readonly #storageKey: string;
  readonly #now: () => number;
  readonly #marginMs: number;
  readonly #refreshTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  readonly #logger: Logger | undefined;
  readonly #eventTarget: AuthSessionOptions['eventTarget'];
  readonly #storage: Pick<Storage, 'getItem'> | null;
  readonly #listeners = new Set<() => void>();
  #state: AuthState = LOADING;
  #refreshing: Promise<string | undefined> | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(options: AuthSessionOptions) {
    this.#backend = options.backend;
    this.#storageKey = options.storageKey;
    this.#now = options.now ?? Date.now;
    this.#marginMs = options.refreshMarginMs ?? 60_000;
    this.#refreshTimeoutMs = options.refreshTimeoutMs ?? 10_000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 20_000;
    this.#logger = options.logger;
    this.#eventTarget = options.eventTarget === undefined ? globalThis.window : options.eventTarget;
    this.#storage =
      options.storage === undefined ? (globalThis.localStorage ?? null) : options.storage;
  }

  get state(): AuthState {
    return this.#state;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): AuthState => this.#state;

  /** Reads the persisted session and starts following auth events. Safe to call once. */
  async start(): Promise<void> {
    if (this.#unsubscribe !== null) return;
    const { data } = this.#backend.onAuthStateChange((event, session) => {
      // Another tab signing out arrives here as SIGNED_OUT through auth-js's BroadcastChannel.
      if (event === 'SIGNED_OUT') this.#set(SIGNED_OUT);
      else if (session !== null) this.#set(stateOf(session));
    });
    this.#eventTarget?.addEventListener('storage', this.#onStorage);
    this.#unsubscribe = () => {
      data.subscription.unsubscribe();
      this.#eventTarget?.removeEventListener('storage', this.#onStorage);
    };
    const { data: current, error } = await this.#backend.getSession();
    let session = current.session;
    if (error !== null) {
      this.#logger?.warn('reading the stored session failed', { error: error.message });
      // An expired token cannot be refreshed while offline, and auth-js then reports no
      // session although it keeps it stored. The user stays signed in to read their local
      // history; the token is refreshed when Atlas can be reached again.
      if (session === null && isAuthRetryableFetchError(error)) session = this.#storedSession();
    }
    // An auth event may have landed while getSession was pending; it is newer, keep it.
    if (this.#state === LOADING) this.#set(stateOf(session));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  /**
   * The access token to send now: refreshed first when it expires within the margin. When the
   * refresh cannot reach the server the current token is returned (the request then fails with
   * words); when the server refuses the refresh token the user is signed out.
   */
  getAccessToken = async (): Promise<string | undefined> => {
    const state = this.#state;
    if (state.status !== 'signed-in') return undefined;
    const expiresAtMs = (state.session.expires_at ?? 0) * 1000;
    if (expiresAtMs - this.#now() > this.#marginMs) return state.session.access_token;
    this.#refreshing ??= this.#refresh(state.session).finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  };

  async signIn(credentials: Credentials): Promise<void> {
    this.#apply(await this.#call(() => this.#backend.signInWithPassword(credentials)));
  }

  /** Atlas (and auto-confirming Supabase projects) answer a sign-up with a session at once. */
  async signUp(credentials: Credentials): Promise<void> {
    const result = await this.#call(() => this.#backend.signUp(credentials));
    if (result.data.session === null) {
      throw new AuthFailure(
        'confirm_email',
        'Check your email to confirm your account, then sign in.',
      );
    }
    this.#apply(result);
  }

  /** Ends this device's session; signed out locally even when the server cannot be told. */
  async signOut(): Promise<void> {
    try {
      const outcome = await withTimeout(
        this.#backend.signOut({ scope: 'local' }),
        this.#refreshTimeoutMs,
      );
      if (outcome === 'timed-out') this.#logger?.warn('sign-out was not confirmed in time');
      else if (outcome.error !== null) {
        this.#logger?.warn('sign-out was not confirmed', { error: outcome.error.message });
      }
    } catch (error) {
      this.#logger?.warn('sign-out failed', { error: String(error) });
    }
    this.#set(SIGNED_OUT);
  }

  async #refresh(session: Session): Promise<string | undefined> {
    let result: AuthResult | 'timed-out';
    try {
      result = await withTimeout(this.#backend.refreshSession(), this.#refreshTimeoutMs);
    } catch (error) {
      this.#logger?.warn('token refresh failed', { error: String(error) });
      return session.access_token;
    }
    if (result === 'timed-out') {
      // auth-js cannot be cancelled; if it finishes later its auth event updates the state.
      this.#logger?.warn('token refresh timed out');
      return session.access_token;
    }
    if (result.error === null && result.data.session !== null) {
      this.#set(stateOf(result.data.session));
      return result.data.session.access_token;
    }
    const failure = AuthFailure.from(result.error);
    if (failure.code === 'session_ended') {
      this.#logger?.info('the session ended; signing out');
      this.#set(SIGNED_OUT);
      return undefined;
    }
    this.#logger?.warn('token refresh failed', { code: failure.code });
    return session.access_token;
  }

  async #call(run: () => Promise<AuthResult>): Promise<AuthResult> {
    let result: AuthResult | 'timed-out';
    try {
      result = await withTimeout(run(), this.#requestTimeoutMs);
    } catch (error) {
      throw AuthFailure.from(error);
    }
    if (result === 'timed-out') {
      throw new AuthFailure('unreachable', 'Atlas did not answer in time. Try again.');
    }
    if (result.error !== null) throw AuthFailure.from(result.error);
    return result;
  }

  #apply(result: AuthResult): void {
    if (result.data.session !== null) this.#set(stateOf(result.data.session));
  }

  /** The session as auth-js persisted it, when it has the fields the app relies on. */
  #storedSession(): Session | null {
    try {
      const raw = this.#storage?.getItem(this.#storageKey);
      if (raw == null) return null;
      const value: unknown = JSON.parse(raw);
      const candidate = value as Partial<Session> | null;
      if (
        typeof candidate?.access_token === 'string' &&
        typeof candidate.refresh_token === 'string' &&
        typeof candidate.user?.id === 'string'
      ) {
        return candidate as Session;
      }
    } catch {
      // Unreadable storage means no usable session.
    }
    return null;
  }

  #onStorage = (event: StorageEvent) => {
    // Another tab removed the persisted session: it signed out.
    if (event.key === this.#storageKey && event.newValue === null) this.#set(SIGNED_OUT);
  };

  #set(next: AuthState): void {
    const current = this.#state;
    if (current === next) return;
    if (
      current.status === 'signed-in' &&
      next.status === 'signed-in' &&
      current.session.access_token === next.session.access_token
    ) {
      return;
    }
    if (current.status === 'signed-out' && next.status === 'signed-out') return;
    this.#state = next;
    for (const listener of this.#listeners) listener();
  }
}
