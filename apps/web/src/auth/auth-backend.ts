/**
 * @module auth/auth-backend
 * Creates the `@supabase/auth-js` client for the served configuration and names the narrow
 * part of it the app uses ({@link AuthBackend}), so the session wrapper can be tested with a
 * fake and the same code signs in against Atlas's own `/auth/v1` or a Supabase project.
 */
import type { ClientConfig } from '@atlas/protocol';
import {
  type AuthChangeEvent,
  type AuthError,
  GoTrueClient,
  navigatorLock,
  type Session,
} from '@supabase/auth-js';

export interface AuthResult {
  data: { session: Session | null };
  error: AuthError | null;
}

export interface Credentials {
  email: string;
  password: string;
}

/** The calls Atlas makes on a GoTrue client; `GoTrueClient` satisfies it as is. */
export interface AuthBackend {
  getSession(): Promise<AuthResult>;
  refreshSession(): Promise<AuthResult>;
  signInWithPassword(credentials: Credentials): Promise<AuthResult>;
  signUp(credentials: Credentials): Promise<AuthResult>;
  signOut(options?: {
    scope?: 'global' | 'local' | 'others';
  }): Promise<{ error: AuthError | null }>;
  onAuthStateChange(callback: (event: AuthChangeEvent, session: Session | null) => void): {
    data: { subscription: { unsubscribe(): void } };
  };
}

/** Where the GoTrue API lives: the configured project, else this server's `/auth/v1`. */
export function authUrl(config: ClientConfig, origin: string): string {
  return config.auth.url ?? `${origin}/auth/v1`;
}

/**
 * The localStorage key of the persisted session: one per auth server, so two Atlas deployments
 * (or a Supabase project and the standalone server) on one origin never share a session.
 */
export function authStorageKey(url: string): string {
  return `atlas.auth.${new URL(url).host}`;
}

export function createGoTrueBackend(
  config: ClientConfig,
  origin: string,
  /** Tests pass a fake; the browser's otherwise. */
  fetchImpl?: typeof fetch,
): GoTrueClient {
  const url = authUrl(config, origin);
  const anonKey = config.auth.anonKey;
  return new GoTrueClient({
    url,
    // A Supabase project's gateway wants the anon key on every auth call.
    headers: anonKey === null ? {} : { apikey: anonKey, Authorization: `Bearer ${anonKey}` },
    storageKey: authStorageKey(url),
    storage: globalThis.localStorage,
    persistSession: true,
    autoRefreshToken: true,
    // Atlas only uses email and password: no OAuth redirects to pick up from the URL.
    detectSessionInUrl: false,
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    // Atlas's /auth/v1 treats a refresh token presented twice as theft and ends the session
    // (no reuse grace period), so two tabs must never refresh at once: a Web Lock serialises
    // auth calls across tabs and the second tab then reads the already-refreshed session.
    // (auth-js marks custom locks deprecated for v3; revisit on that upgrade.)
    ...(typeof navigator !== 'undefined' && navigator.locks !== undefined
      ? { lock: navigatorLock }
      : {}),
  });
}
