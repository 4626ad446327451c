/**
 * @module app/router
 * A small history-API router (no dependency): the current location lives in one store that
 * follows `pushState`/`replaceState` made through it and the browser's back and forward
 * (`popstate`). Components read it with {@link useLocation} and move with {@link navigate} or
 * {@link Link}; the server answers deep links with index.html, so every path boots the app.
 */
import {
  type AnchorHTMLAttributes,
  createContext,
  type MouseEvent,
  type ReactNode,
  useContext,
  useSyncExternalStore,
} from 'react';

export interface AppLocation {
  pathname: string;
  search: string;
}

export interface NavigateOptions {
  /** Replace the current history entry instead of adding one (redirects). */
  replace?: boolean;
}

/** The router's state: a subscription over `window.history` and `popstate`. */
export class HistoryRouter {
  readonly #window: Window;
  readonly #listeners = new Set<() => void>();
  #location: AppLocation;

  constructor(win: Window = window) {
    this.#window = win;
    this.#location = this.#read();
  }

  get location(): AppLocation {
    return this.#location;
  }

  /** Adds a listener; the returned function removes it (and `popstate` with the last one). */
  subscribe = (listener: () => void): (() => void) => {
    if (this.#listeners.size === 0) this.#window.addEventListener('popstate', this.#onPopState);
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#window.removeEventListener('popstate', this.#onPopState);
      }
    };
  };

  navigate = (to: string, options: NavigateOptions = {}): void => {
    const url = new URL(to, this.#window.location.href);
    if (url.origin !== this.#window.location.origin) {
      // Only in-app paths are routed; anything else is a normal page load.
      this.#window.location.assign(url.href);
      return;
    }
    const target = `${url.pathname}${url.search}${url.hash}`;
    const current = this.#location;
    if (!options.replace && target === `${current.pathname}${current.search}`) return;
    if (options.replace) this.#window.history.replaceState(null, '', target);
    else this.#window.history.pushState(null, '', target);
    this.#update();
  };

  #onPopState = () => this.#update();

  #update(): void {
    const next = this.#read();
    if (next.pathname === this.#location.pathname && next.search === this.#location.search) return;
    this.#location = next;
    for (const listener of this.#listeners) listener();
  }

  #read(): AppLocation {
    return { pathname: this.#window.location.pathname, search: this.#window.location.search };
  }
}

const RouterContext = createContext<HistoryRouter | null>(null);

export function RouterProvider(props: { router: HistoryRouter; children: ReactNode }) {
  return <RouterContext.Provider value={props.router}>{props.children}</RouterContext.Provider>;
}

export function useRouter(): HistoryRouter {
  const router = useContext(RouterContext);
  if (router === null) throw new Error('useRouter() needs a <RouterProvider> above it');
  return router;
}

/** The current location; re-renders on every navigation, back and forward included. */
export function useLocation(): AppLocation {
  const router = useRouter();
  return useSyncExternalStore(router.subscribe, () => router.location);
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** An `<a>` that navigates in-app on a plain click and stays a real link otherwise. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const router = useRouter();
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    // Ctrl/Cmd/Shift-click and target=_blank keep the browser's own behaviour (new tab, …).
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (rest.target !== undefined && rest.target !== '_self') return;
    event.preventDefault();
    router.navigate(to);
  };
  return <a href={to} onClick={handleClick} {...rest} />;
}
