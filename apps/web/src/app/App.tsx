/**
 * @module app/App
 * Everything after the configuration is known: the router, the query client and the auth
 * session; signed out → the sign-in page, signed in → the shell with the current page. Deep
 * links survive sign-in (`/signin?next=/usage`).
 */
import type { ClientConfig } from '@atlas/protocol';
import { QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { ApiClient } from '../api/api-client.js';
import { authStorageKey, authUrl, createGoTrueBackend } from '../auth/auth-backend.js';
import { AuthSession } from '../auth/auth-session.js';
import { SignInPage } from '../auth/SignInPage.js';
import { closeChatDatabase } from '../chat/chat-db.js';
import { logger } from './logger.js';
import { createQueryClient } from './query-client.js';
import { HistoryRouter, RouterProvider, useLocation, useRouter } from './router.js';
import { matchRoute } from './routes.js';
import { Shell } from './Shell.js';
import { type AppServices, ServicesProvider } from './services.js';

interface Props {
  config: ClientConfig;
  /** Tests inject these; the app builds the real ones. */
  auth?: AuthSession;
  router?: HistoryRouter;
}

export function App({ config, auth: injectedAuth, router: injectedRouter }: Props) {
  const [router] = useState(() => injectedRouter ?? new HistoryRouter(window));
  const [queryClient] = useState(createQueryClient);
  const [auth] = useState(() => injectedAuth ?? authSessionFor(config));

  useEffect(() => {
    void auth.start();
    return () => auth.stop();
  }, [auth]);

  return (
    <RouterProvider router={router}>
      <QueryClientProvider client={queryClient}>
        <AuthGate
          auth={auth}
          config={config}
          onSignedOut={(userId) => {
            queryClient.clear();
            closeChatDatabase(userId);
          }}
        />
      </QueryClientProvider>
    </RouterProvider>
  );
}

const sessions = new Map<string, AuthSession>();

/**
 * One auth client per auth server for the page's lifetime: a second GoTrueClient on the same
 * storage key would run its own refresh timer (React may create state twice in development).
 */
function authSessionFor(config: ClientConfig): AuthSession {
  const url = authUrl(config, window.location.origin);
  let session = sessions.get(url);
  if (session === undefined) {
    session = new AuthSession({
      backend: createGoTrueBackend(config, window.location.origin),
      storageKey: authStorageKey(url),
      logger: logger.child('auth'),
    });
    sessions.set(url, session);
  }
  return session;
}

/** Only same-app paths, never `//evil.example`: the value comes from the URL. */
export function safeNext(raw: string | null): string {
  if (raw === null || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) {
    return '/';
  }
  return matchRoute(new URL(raw, 'http://atlas.invalid').pathname).name === 'signin' ? '/' : raw;
}

function AuthGate(props: {
  auth: AuthSession;
  config: ClientConfig;
  onSignedOut: (userId: string) => void;
}) {
  const { auth, config, onSignedOut } = props;
  const state = useSyncExternalStore(auth.subscribe, auth.getSnapshot);
  const location = useLocation();
  const router = useRouter();
  const route = matchRoute(location.pathname);
  const [lastUserId, setLastUserId] = useState<string | null>(null);
  const userId = state.status === 'signed-in' ? state.userId : null;

  useEffect(() => {
    if (userId !== null) setLastUserId(userId);
    else if (lastUserId !== null && state.status === 'signed-out') {
      onSignedOut(lastUserId);
      setLastUserId(null);
    }
  }, [userId, lastUserId, state.status, onSignedOut]);

  useEffect(() => {
    if (state.status === 'signed-out' && route.name !== 'signin') {
      const here = `${location.pathname}${location.search}`;
      const next = here === '/' ? '' : `?next=${encodeURIComponent(here)}`;
      router.navigate(`/signin${next}`, { replace: true });
    } else if (state.status === 'signed-in' && route.name === 'signin') {
      const next = new URLSearchParams(location.search).get('next');
      router.navigate(safeNext(next), { replace: true });
    }
  }, [state.status, route.name, location, router]);

  const services = useMemo<AppServices | null>(() => {
    if (userId === null) return null;
    return {
      config,
      api: new ApiClient({
        getAccessToken: auth.getAccessToken,
        // A token Atlas no longer accepts cannot be fixed by retrying: sign in again.
        onUnauthorized: () => void auth.signOut(),
      }),
      getAccessToken: auth.getAccessToken,
      userId,
      logger,
      baseUrl: '',
    };
  }, [auth, config, userId]);

  if (state.status === 'loading') {
    return (
      <main className="splash" aria-busy="true">
        <p role="status">Loading your session…</p>
      </main>
    );
  }
  if (state.status === 'signed-out' || services === null) {
    return <SignInPage auth={auth} />;
  }
  return (
    <ServicesProvider services={services}>
      <Shell email={state.email} route={route} onSignOut={() => auth.signOut()} />
    </ServicesProvider>
  );
}
