import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HistoryRouter, Link, RouterProvider, useLocation } from './router.js';
import { matchRoute, pathOf } from './routes.js';

describe('matchRoute', () => {
  it.each([
    ['/', { name: 'chat', conversationId: null }],
    ['/chat', { name: 'chat', conversationId: null }],
    ['/chat/abc-123', { name: 'chat', conversationId: 'abc-123' }],
    ['/chat/abc-123/', { name: 'chat', conversationId: 'abc-123' }],
    ['/signin', { name: 'signin' }],
    ['/call', { name: 'call' }],
    ['/usage/', { name: 'usage' }],
    ['/nope', { name: 'not-found', path: '/nope' }],
    ['/chat/a/b', { name: 'not-found', path: '/chat/a/b' }],
    ['/chat/%E0%A4%A', { name: 'not-found', path: '/chat/%E0%A4%A' }],
  ])('%s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });

  it('round-trips every route through pathOf', () => {
    for (const path of ['/', '/chat/x%2Fy', '/signin', '/call', '/usage']) {
      expect(pathOf(matchRoute(path))).toBe(path);
    }
  });
});

function Where() {
  const location = useLocation();
  return <output data-testid="where">{`${location.pathname}${location.search}`}</output>;
}

describe('HistoryRouter', () => {
  beforeEach(() => window.history.replaceState(null, '', '/'));
  afterEach(cleanup);

  it('navigates with pushState, replaces on redirects and follows back and forward', () => {
    const router = new HistoryRouter(window);
    render(
      <RouterProvider router={router}>
        <Where />
      </RouterProvider>,
    );
    act(() => router.navigate('/call?agc=0'));
    expect(screen.getByTestId('where').textContent).toBe('/call?agc=0');
    act(() => router.navigate('/usage'));
    act(() => router.navigate('/signin', { replace: true }));
    expect(window.location.pathname).toBe('/signin');

    // What the browser does on back and forward: the URL changes, then popstate fires.
    act(() => {
      window.history.replaceState(null, '', '/call?agc=0');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    expect(screen.getByTestId('where').textContent).toBe('/call?agc=0');
    act(() => {
      window.history.replaceState(null, '', '/signin');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    expect(screen.getByTestId('where').textContent).toBe('/signin');
  });

  it('does not stack a history entry when navigating to where it already is', () => {
    const router = new HistoryRouter(window);
    const push = vi.spyOn(window.history, 'pushState');
    router.navigate('/');
    expect(push).not.toHaveBeenCalled();
    push.mockRestore();
  });

  it('removes its popstate listener when the last subscriber leaves', () => {
    const router = new HistoryRouter(window);
    const add = vi.spyOn(window, 'addEventListener');
    const remove = vi.spyOn(window, 'removeEventListener');
    const unsubscribe = router.subscribe(() => {});
    unsubscribe();
    expect(add).toHaveBeenCalledWith('popstate', expect.any(Function));
    expect(remove).toHaveBeenCalledWith('popstate', add.mock.calls[0]?.[1]);
    add.mockRestore();
    remove.mockRestore();
  });

  it('Link navigates in-app on a plain click and leaves modified clicks to the browser', () => {
    const router = new HistoryRouter(window);
    render(
      <RouterProvider router={router}>
        <Link to="/usage">Usage</Link>
        <Where />
      </RouterProvider>,
    );
    const link = screen.getByRole('link', { name: 'Usage' });
    expect(link.getAttribute('href')).toBe('/usage');
    fireEvent.click(link, { ctrlKey: true });
    expect(screen.getByTestId('where').textContent).toBe('/');
    fireEvent.click(link);
    expect(screen.getByTestId('where').textContent).toBe('/usage');
  });
});
