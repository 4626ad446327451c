/**
 * @module app/Shell
 * The signed-in layout: a header with the Atlas name, the Chat / Call / Usage navigation, the
 * user's email and sign-out; the offline-providers banner; and the current page, each inside
 * its own error boundary so one feature's crash leaves the rest usable.
 */
import { lazy, type ReactNode, Suspense, useEffect, useState } from 'react';
import { ChatPage } from '../chat/ChatPage.js';
import { ErrorBoundary } from './ErrorBoundary.js';
import { Link } from './router.js';
import type { Route } from './routes.js';
import { useServices } from './services.js';

interface Props {
  email: string;
  route: Route;
  onSignOut: () => Promise<void>;
}

type Section = 'chat' | 'call' | 'usage';

// Loaded on first visit: the chart library and the audio code stay out of the chat's bundle,
// and a page that fails to load is caught by its error boundary instead of blanking the app.
const CallPage = lazy(() => import('../voice/CallPage.js').then((m) => ({ default: m.CallPage })));
const UsagePage = lazy(() =>
  import('../usage/UsagePage.js').then((m) => ({ default: m.UsagePage })),
);

function Loading({ children }: { children: ReactNode }) {
  return (
    <Suspense
      fallback={
        <p className="page-loading" role="status">
          Loading…
        </p>
      }
    >
      {children}
    </Suspense>
  );
}

const NAV: readonly { section: Section; label: string; to: string }[] = [
  { section: 'chat', label: 'Chat', to: '/' },
  { section: 'call', label: 'Call', to: '/call' },
  { section: 'usage', label: 'Usage', to: '/usage' },
];

export function Shell({ email, route, onSignOut }: Props) {
  const { config } = useServices();
  const [signingOut, setSigningOut] = useState(false);
  const section: Section | null =
    route.name === 'chat' || route.name === 'signin'
      ? 'chat'
      : route.name === 'not-found'
        ? null
        : route.name;

  useEffect(() => {
    const label = NAV.find((item) => item.section === section)?.label ?? 'Not found';
    document.title = `${label} · Atlas`;
  }, [section]);

  return (
    <div className="shell" data-testid="app-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell__header">
        <Link to="/" className="brand" aria-label="Atlas home">
          <span className="brand__mark" aria-hidden="true" />
          Atlas
        </Link>
        <nav className="shell__nav" aria-label="Main">
          {NAV.map((item) => (
            <Link
              key={item.section}
              to={item.to}
              className="shell__nav-link"
              data-testid={`nav-${item.section}`}
              aria-current={section === item.section ? 'page' : undefined}
            >
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="shell__account">
          <span className="shell__email" title={email}>
            {email}
          </span>
          <button
            type="button"
            className="button button--ghost"
            data-testid="sign-out"
            disabled={signingOut}
            onClick={async () => {
              setSigningOut(true);
              try {
                await onSignOut();
              } finally {
                setSigningOut(false);
              }
            }}
          >
            {signingOut ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      </header>
      {config.offline && (
        <div className="offline-banner" data-testid="offline-banner" role="note">
          Atlas is running with offline speech and a simple offline assistant: no provider keys are
          set.
        </div>
      )}
      <main id="main" className={`shell__main shell__main--${section ?? 'none'}`}>
        <Page route={route} />
      </main>
    </div>
  );
}

/**
 * Each boundary has its own key: without it React would reuse one boundary instance across
 * pages, and a crash in one page would still be shown after navigating to another.
 */
function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'chat':
    case 'signin':
      return (
        <ErrorBoundary key="chat" feature="chat">
          <ChatPage conversationId={route.name === 'chat' ? route.conversationId : null} />
        </ErrorBoundary>
      );
    case 'call':
      return (
        <ErrorBoundary key="call" feature="call">
          <Loading>
            <CallPage />
          </Loading>
        </ErrorBoundary>
      );
    case 'usage':
      return (
        <ErrorBoundary key="usage" feature="usage">
          <Loading>
            <UsagePage />
          </Loading>
        </ErrorBoundary>
      );
    case 'not-found':
      return (
        <section className="not-found">
          <h1>Page not found</h1>
          <p>
            There is nothing at <code>{route.path}</code>.
          </p>
          <Link to="/" className="button button--primary">
            Go to chat
          </Link>
        </section>
      );
  }
}
