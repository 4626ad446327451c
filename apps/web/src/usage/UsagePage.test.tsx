import type { UsageEventPage, UsageResponse } from '@atlas/protocol';
import { focusManager, type QueryClient } from '@tanstack/react-query';
import {
  act,
  cleanup,
  configure,
  fireEvent,
  render,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsagePage } from './UsagePage.js';
import {
  eventFixture,
  type FakeRequest,
  fakeFetch,
  giveChartASize,
  json,
  never,
  Providers,
  reportFixture,
  testQueryClient,
  testServices,
} from './usage-test-kit.js';

// Two cores shared by several test runs: give findBy/waitFor room beyond the 1 s default.
configure({ asyncUtilTimeout: 5_000 });

let restoreLayout: () => void;
let client: QueryClient;

beforeEach(() => {
  restoreLayout = giveChartASize();
  client = testQueryClient();
});
afterEach(() => {
  cleanup();
  client.clear();
  restoreLayout();
});

interface FakeAtlas {
  report?: (url: URL) => UsageResponse | Response | Promise<Response>;
  events?: (url: URL) => UsageEventPage | Response | Promise<Response>;
}

function renderPage(atlas: FakeAtlas = {}) {
  const answer = (result: unknown) => (result instanceof Response ? result : json(result));
  const fake = fakeFetch((url) => {
    if (url.pathname === '/v1/usage/events') {
      const result = atlas.events?.(url) ?? { events: [], nextCursor: null };
      return result instanceof Promise ? result : answer(result);
    }
    if (url.pathname === '/v1/usage') {
      const result = atlas.report?.(url) ?? reportFixture();
      return result instanceof Promise ? result : answer(result);
    }
    return json({ code: 'not_found', message: 'Not found.' }, 404);
  });
  const view = render(
    <Providers services={testServices(fake.fetch)} client={client}>
      <UsagePage />
    </Providers>,
  );
  return { ...view, requests: fake.requests };
}

function requestsTo(requests: readonly FakeRequest[], path: string): URL[] {
  return requests.filter((r) => r.url.pathname === path).map((r) => r.url);
}

function params(url: URL | undefined): Record<string, string> {
  return Object.fromEntries(url?.searchParams ?? []);
}

describe('UsagePage', () => {
  it('shows the month, the chart of the report and the recent events', async () => {
    const { requests } = renderPage({
      events: () => ({
        events: [eventFixture(0, { feature: 'voice_stt', meta: { sessionId: 'abcdef123456' } })],
        nextCursor: null,
      }),
    });
    expect(await screen.findByTestId('usage-total')).toHaveProperty('textContent', '$10.00');
    expect(screen.getByTestId('usage-limit').textContent).toBe('$20.00');
    expect(screen.getByText('Core')).toBeTruthy();
    expect(screen.getByText('Dec 1, 2026', { exact: false })).toBeTruthy();
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('50');
    expect(screen.getByTestId('usage-chart').dataset.series).toBe('chat,voice_stt,voice_tts');
    const rows = await screen.findAllByTestId('usage-event-row');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.textContent).toContain('Voice: listening');
    expect(rows[0]?.textContent).toContain('call abcdef12');
    expect(rows[0]?.textContent).toContain('$0.001');
    expect(params(requestsTo(requests, '/v1/usage')[0])).toEqual({ days: '7' });
    expect(params(requestsTo(requests, '/v1/usage/events')[0])).toEqual({ limit: '20' });
  });

  it('derives month-to-date spend from the fraction when the server does not send it', async () => {
    renderPage({
      report: () => {
        const { monthToDateUsd: _omitted, ...older } = reportFixture({ fractionUsed: 0.25 });
        return older;
      },
    });
    expect((await screen.findByTestId('usage-total')).textContent).toBe('$5.00');
  });

  it('asks for 30 days when the range switch says so, and back', async () => {
    const { requests } = renderPage();
    await screen.findByTestId('usage-chart');
    const thirty = screen.getByTestId('usage-range-30');
    expect(screen.getByTestId('usage-range-7').getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(thirty);
    await waitFor(() => expect(requestsTo(requests, '/v1/usage')).toHaveLength(2));
    expect(params(requestsTo(requests, '/v1/usage')[1])).toEqual({ days: '30' });
    expect(thirty.getAttribute('aria-pressed')).toBe('true');
    // The recent events do not depend on the period.
    expect(requestsTo(requests, '/v1/usage/events')).toHaveLength(1);
  });

  it('filters the report and the events by the chosen feature', async () => {
    const { requests } = renderPage({
      report: (url) =>
        url.searchParams.get('feature') === 'voice_tts'
          ? reportFixture({
              days: [{ date: '2026-11-21', byFeature: { voice_tts: 0.01 }, totalUsd: 0.01 }],
              totals: { byFeature: { voice_tts: 0.01 }, totalUsd: 0.01 },
            })
          : reportFixture(),
    });
    await screen.findByTestId('usage-chart');
    const filter = screen.getByTestId('usage-feature-filter') as HTMLSelectElement;
    expect(filter.value).toBe('all');
    fireEvent.change(filter, { target: { value: 'voice_tts' } });
    await waitFor(() => expect(screen.getByTestId('usage-chart').dataset.series).toBe('voice_tts'));
    expect(params(requestsTo(requests, '/v1/usage').at(-1))).toEqual({
      days: '7',
      feature: 'voice_tts',
    });
    await waitFor(() =>
      expect(params(requestsTo(requests, '/v1/usage/events').at(-1))).toEqual({
        limit: '20',
        feature: 'voice_tts',
      }),
    );
  });

  it.each([
    [0.79, false],
    [0.7999, false],
    [0.8, true],
    [0.95, true],
  ])('at %s of the limit shows the warning: %s', async (fractionUsed, shown) => {
    renderPage({
      report: () => reportFixture({ fractionUsed, monthToDateUsd: 20 * fractionUsed }),
    });
    await screen.findByTestId('usage-total');
    expect(screen.queryByTestId('usage-warning') !== null).toBe(shown);
    if (shown) expect(screen.getByTestId('usage-warning').textContent).toContain('Dec 1, 2026');
  });

  it('says the allowance is used up at 100 %', async () => {
    renderPage({ report: () => reportFixture({ fractionUsed: 1, monthToDateUsd: 20 }) });
    const warning = await screen.findByTestId('usage-warning');
    expect(warning.textContent).toContain('whole $20.00 allowance');
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
  });

  it('pages the events table with "Load more"', async () => {
    const firstPage = Array.from({ length: 20 }, (_, i) => eventFixture(i));
    const secondPage = Array.from({ length: 5 }, (_, i) => eventFixture(20 + i));
    const { requests } = renderPage({
      events: (url) =>
        url.searchParams.get('before') === 'cursor-1'
          ? { events: secondPage, nextCursor: null }
          : { events: firstPage, nextCursor: 'cursor-1' },
    });
    await waitFor(() => expect(screen.getAllByTestId('usage-event-row')).toHaveLength(20));
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByTestId('usage-event-row')).toHaveLength(25));
    expect(params(requestsTo(requests, '/v1/usage/events')[1])).toEqual({
      limit: '20',
      before: 'cursor-1',
    });
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    const table = screen.getByTestId('usage-events');
    expect(within(table).getAllByRole('row')).toHaveLength(26);
  });

  it('says "No usage yet" when nothing was spent', async () => {
    renderPage({
      report: () =>
        reportFixture({
          days: [{ date: '2026-11-21', byFeature: {}, totalUsd: 0 }],
          totals: { byFeature: {}, totalUsd: 0 },
          fractionUsed: 0,
          monthToDateUsd: 0,
        }),
    });
    expect(await screen.findByText('No usage yet')).toBeTruthy();
    expect(screen.queryByTestId('usage-chart')).toBeNull();
    expect(await screen.findByText('No events to show.')).toBeTruthy();
    expect(screen.getByTestId('usage-events')).toBeTruthy();
  });

  it('shows skeletons until the answers arrive', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    renderPage({ report: () => gate.then(() => json(reportFixture())) });
    expect(screen.getByRole('status', { name: 'Loading the chart' })).toBeTruthy();
    expect(screen.getByRole('status', { name: 'Loading this month’s usage' })).toBeTruthy();
    act(() => release?.());
    await screen.findByTestId('usage-chart');
    expect(screen.queryByRole('status', { name: 'Loading the chart' })).toBeNull();
  });

  it('explains a failure in words and retries on request', async () => {
    let failing = true;
    const { requests } = renderPage({
      report: () =>
        failing
          ? json({ code: 'database_unavailable', message: 'The database is unavailable.' }, 503)
          : reportFixture(),
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Your usage could not be loaded.');
    expect(alert.textContent).toContain('The database is unavailable.');
    failing = false;
    // A 503 is worth retrying: the first attempt and two retries, then the words.
    expect(requestsTo(requests, '/v1/usage')).toHaveLength(3);
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await screen.findByTestId('usage-chart');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(requestsTo(requests, '/v1/usage')).toHaveLength(4);
  });

  it('explains a lost session (not retried) and a failed events page', async () => {
    const { requests } = renderPage({
      report: () => json({ code: 'token_expired', message: 'expired' }, 401),
      events: () => json({ code: 'internal', message: 'Something went wrong on our side.' }, 500),
    });
    await waitFor(() => expect(screen.getAllByRole('alert')).toHaveLength(2));
    const [reportAlert, eventsAlert] = screen.getAllByRole('alert');
    expect(reportAlert?.textContent).toContain('Your session has ended. Please sign in again.');
    expect(eventsAlert?.textContent).toContain('Recent activity could not be loaded.');
    expect(
      within(eventsAlert as HTMLElement).getByRole('button', { name: 'Try again' }),
    ).toBeTruthy();
    expect(requestsTo(requests, '/v1/usage')).toHaveLength(1);
    expect(requestsTo(requests, '/v1/usage/events')).toHaveLength(3);
  });

  it('fetches again when the window regains focus', async () => {
    const { requests } = renderPage();
    await screen.findByTestId('usage-chart');
    const before = requestsTo(requests, '/v1/usage').length;
    act(() => {
      focusManager.setFocused(false);
      focusManager.setFocused(true);
    });
    await waitFor(() => expect(requestsTo(requests, '/v1/usage').length).toBe(before + 1));
    await waitFor(() => expect(requestsTo(requests, '/v1/usage/events')).toHaveLength(2));
    focusManager.setFocused(undefined);
  });

  it('cancels every request still in flight when it unmounts', async () => {
    const { requests, unmount } = renderPage({
      report: (url) => never(requests.find((r) => r.url === url)?.signal),
      events: (url) => never(requests.find((r) => r.url === url)?.signal),
    });
    await waitFor(() => expect(requests).toHaveLength(2));
    expect(requests.every((r) => r.signal?.aborted === false)).toBe(true);
    unmount();
    expect(requests.every((r) => r.signal?.aborted === true)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(requests).toHaveLength(2);
    expect(client.isFetching()).toBe(0);
  });
});
