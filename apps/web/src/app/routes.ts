/**
 * @module app/routes
 * The app's few routes as data: a path is matched to a {@link Route} and a route is turned back
 * into a path, so links, redirects and tests never build URLs by hand.
 */

export type Route =
  | { name: 'signin' }
  | { name: 'chat'; conversationId: string | null }
  | { name: 'call' }
  | { name: 'usage' }
  | { name: 'not-found'; path: string };

const CHAT_PATH = /^\/chat\/([^/]+)\/?$/;

/** Matches a pathname (no query, no hash); unknown paths give `not-found`. */
export function matchRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  switch (path) {
    case '/':
    case '/chat':
      return { name: 'chat', conversationId: null };
    case '/signin':
      return { name: 'signin' };
    case '/call':
      return { name: 'call' };
    case '/usage':
      return { name: 'usage' };
  }
  const chat = CHAT_PATH.exec(path);
  if (chat?.[1] !== undefined) {
    try {
      return { name: 'chat', conversationId: decodeURIComponent(chat[1]) };
    } catch {
      // A malformed escape (`/chat/%E0`) is a path we do not serve, not a crash.
      return { name: 'not-found', path };
    }
  }
  return { name: 'not-found', path };
}

export function pathOf(route: Route): string {
  switch (route.name) {
    case 'signin':
      return '/signin';
    case 'chat':
      return route.conversationId === null
        ? '/'
        : `/chat/${encodeURIComponent(route.conversationId)}`;
    case 'call':
      return '/call';
    case 'usage':
      return '/usage';
    case 'not-found':
      return route.path;
  }
}
