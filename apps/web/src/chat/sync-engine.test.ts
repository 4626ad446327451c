import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/api-client.js';
import { ChatDatabase, SYNC_CURSOR_KEY } from './chat-db.js';
import { SyncEngine, type Timers } from './sync-engine.js';
import {
  conversation,
  deferred,
  jsonResponse,
  message,
  syncPage,
  uniqueUserId,
} from './testing/chat-fixtures.js';

/** Timers the test fires by hand; counts what is still pending. */
class ManualTimers implements Timers {
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  #next = 1;
  setTimeout = vi.fn((callback: () => void, ms: number) => {
    const id = this.#next++;
    this.pending.set(id, { callback, ms });
    return id;
  });
  clearTimeout = vi.fn((handle: unknown) => {
    this.pending.delete(handle as number);
  });
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const timer of due) timer.callback();
  }
  delays(): number[] {
    return [...this.pending.values()].map((timer) => timer.ms);
  }
}

type Handler = (url: URL, init: RequestInit | undefined) => Promise<Response> | Response;

function setup(handler: Handler, options: { online?: () => boolean } = {}) {
  const db = new ChatDatabase(uniqueUserId());
  const requests: URL[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://atlas.test');
    requests.push(url);
    init?.signal?.throwIfAborted();
    return handler(url, init);
  });
  const api = new ApiClient({ getAccessToken: async () => 'token', fetch });
  const events = new EventTarget();
  const addSpy = vi.spyOn(events, 'addEventListener');
  const removeSpy = vi.spyOn(events, 'removeEventListener');
  const timers = new ManualTimers();
  const engine = new SyncEngine({
    db,
    api,
    eventTarget: events as unknown as Window,
    timers,
    random: () => 1,
    isOnline: options.online ?? (() => true),
  });
  const states: string[] = [];
  engine.subscribe(() => states.push(engine.status.state));
  return { db, engine, events, timers, requests, fetch, addSpy, removeSpy, states };
}

const opened: SyncEngine[] = [];
afterEach(() => {
  for (const engine of opened.splice(0)) engine.stop();
});

describe('SyncEngine', () => {
  it('pulls pages until caught up, applying each and persisting the cursor', async () => {
    const pages = [
      syncPage({
        conversations: [conversation('c1')],
        messages: [message('m1', 'c1')],
        nextCursor: 'cursor-1',
        hasMore: true,
      }),
      syncPage({ messages: [message('m2', 'c1')], nextCursor: 'cursor-2', hasMore: false }),
    ];
    const t = setup(() => jsonResponse(pages.shift() ?? syncPage({ nextCursor: 'cursor-2' })));
    opened.push(t.engine);
    expect(t.engine.status.state).toBe('local');
    await t.engine.start();

    expect(t.requests.map((url) => url.searchParams.get('since'))).toEqual([null, 'cursor-1']);
    expect(t.requests[0]?.searchParams.get('limit')).toBe('50');
    expect((await t.db.messagesOf('c1')).map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(await t.db.meta.get(SYNC_CURSOR_KEY)).toEqual({
      key: SYNC_CURSOR_KEY,
      value: 'cursor-2',
    });
    expect(t.engine.status.state).toBe('synced');
    // The first pull keeps `local` (the data shown is this device's) until it has caught up.
    expect(t.states).toEqual(['synced']);

    // A later pull starts from the stored cursor and shows `syncing` while it runs.
    await t.engine.requestSync();
    expect(t.requests.at(-1)?.searchParams.get('since')).toBe('cursor-2');
    expect(t.states).toEqual(['synced', 'syncing', 'synced']);
  });

  it('applies tombstones: a deleted conversation takes its messages, a deleted message goes', async () => {
    const t = setup(() =>
      jsonResponse(
        syncPage({
          conversations: [conversation('gone', { deletedAt: '2026-03-01T12:00:00.000000Z' })],
          messages: [message('m-kept', 'kept', { deletedAt: '2026-03-01T12:00:00.000000Z' })],
          nextCursor: 'cursor-9',
        }),
      ),
    );
    opened.push(t.engine);
    await t.db.conversations.bulkPut([
      { id: 'gone', title: 'Gone', createdAt: 'a', updatedAt: 'a' },
      { id: 'kept', title: 'Kept', createdAt: 'a', updatedAt: 'a' },
    ]);
    const { deletedAt: _a, ...inGone } = message('m-gone', 'gone');
    const { deletedAt: _b, ...inKept } = message('m-kept', 'kept');
    const { deletedAt: _c, ...other } = message('m-other', 'kept');
    await t.db.messages.bulkPut([inGone, inKept, other]);

    await t.engine.start();
    expect(await t.db.conversations.get('gone')).toBeUndefined();
    expect(await t.db.messagesOf('gone')).toEqual([]);
    expect((await t.db.messagesOf('kept')).map((m) => m.id)).toEqual(['m-other']);
  });

  it('replaces a locally sent user message with the server copy instead of duplicating it', async () => {
    const serverCopy = message('server-id', 'c1', { content: 'hello there' });
    const t = setup(() =>
      jsonResponse(syncPage({ conversations: [conversation('c1')], messages: [serverCopy] })),
    );
    opened.push(t.engine);
    await t.db.messages.put({
      ...message('local-1', 'c1', { content: 'hello there' }),
      local: 'sent',
    });
    await t.engine.start();
    expect((await t.db.messagesOf('c1')).map((m) => m.id)).toEqual(['server-id']);
  });

  it('never runs two pulls at once, and folds requests made meanwhile into one more pull', async () => {
    const gate = deferred<void>();
    let inFlight = 0;
    let maxInFlight = 0;
    const t = setup(async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await gate.promise;
      inFlight -= 1;
      return jsonResponse(syncPage({ nextCursor: 'c' }));
    });
    opened.push(t.engine);
    void t.engine.start(); // first pull, held at the gate
    const more = [t.engine.requestSync(), t.engine.requestSync(), t.engine.requestSync()];
    t.events.dispatchEvent(new Event('focus'));
    gate.resolve();
    await Promise.all(more);
    expect(maxInFlight).toBe(1);
    expect(t.fetch).toHaveBeenCalledTimes(2);
  });

  it('backs off exponentially on failure, honours retry-after, and resets after success', async () => {
    let failures = 3;
    const t = setup(() => {
      if (failures-- > 0) return jsonResponse({ code: 'internal', message: 'boom' }, 500);
      return jsonResponse(syncPage({ nextCursor: 'c' }));
    });
    opened.push(t.engine);
    await t.engine.start();
    expect(t.engine.status.state).toBe('error');
    expect(t.timers.delays()).toEqual([1000]);
    t.timers.fireAll();
    await t.engine.whenIdle();
    expect(t.timers.delays()).toEqual([2000]);
    t.timers.fireAll();
    await t.engine.whenIdle();
    expect(t.timers.delays()).toEqual([4000]);
    t.timers.fireAll();
    await t.engine.whenIdle();
    expect(t.engine.status.state).toBe('synced');
    expect(t.timers.pending.size).toBe(0);

    const limited = setup(() =>
      jsonResponse({ code: 'rate_limited', message: 'slow' }, 429, { 'retry-after': '30' }),
    );
    opened.push(limited.engine);
    await limited.engine.start();
    expect(limited.timers.delays()).toEqual([30_000]);
  });

  it('reports offline when Atlas cannot be reached, and pulls again when back online', async () => {
    let online = false;
    const t = setup(
      () => {
        if (!online) throw new TypeError('Failed to fetch');
        return jsonResponse(syncPage({ nextCursor: 'c' }));
      },
      { online: () => true },
    );
    opened.push(t.engine);
    await t.engine.start();
    expect(t.engine.status.state).toBe('offline');
    expect(t.timers.pending.size).toBe(1);
    online = true;
    t.events.dispatchEvent(new Event('online'));
    await t.engine.whenIdle();
    expect(t.engine.status.state).toBe('synced');
    // The pull on `online` replaced the scheduled retry.
    expect(t.timers.pending.size).toBe(0);
  });

  it('does not call Atlas while the browser says it is offline', async () => {
    const t = setup(() => jsonResponse(syncPage()), { online: () => false });
    opened.push(t.engine);
    await t.engine.start();
    expect(t.fetch).not.toHaveBeenCalled();
    expect(t.engine.status.state).toBe('offline');
  });

  it('stop() removes every listener and timer and abandons the pull in flight', async () => {
    let signal: AbortSignal | undefined;
    const t = setup(
      (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          signal = init?.signal ?? undefined;
          signal?.addEventListener('abort', () => reject(signal?.reason));
        }),
    );
    void t.engine.start();
    const added = t.addSpy.mock.calls.map(([type, listener]) => [type, listener]);
    expect(added.map(([type]) => type).sort()).toEqual(['focus', 'offline', 'online']);
    await vi.waitFor(() => expect(signal).toBeDefined());

    const timersSetBeforeStop = t.timers.setTimeout.mock.calls.length;
    t.engine.stop();
    expect(signal?.aborted).toBe(true);
    const removed = t.removeSpy.mock.calls.map(([type, listener]) => [type, listener]);
    expect(removed).toEqual(expect.arrayContaining(added));
    expect(removed).toHaveLength(added.length);
    expect(t.timers.pending.size).toBe(0);

    // A failure after stop schedules nothing and events no longer trigger pulls.
    t.events.dispatchEvent(new Event('focus'));
    t.events.dispatchEvent(new Event('online'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(t.fetch).toHaveBeenCalledTimes(1);
    expect(t.timers.setTimeout).toHaveBeenCalledTimes(timersSetBeforeStop);
    expect(t.timers.pending.size).toBe(0);
  });

  it('gives up on a sync page that never comes and retries with backoff', async () => {
    let calls = 0;
    const t = setup((_url, init) => {
      calls += 1;
      if (calls > 1) return jsonResponse(syncPage({ nextCursor: 'c' }));
      return new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    });
    opened.push(t.engine);
    const first = t.engine.start();
    await vi.waitFor(() => expect(t.timers.delays()).toEqual([30_000]));
    t.timers.fireAll(); // the page timeout
    await first;
    expect(t.engine.status).toMatchObject({ state: 'offline' });
    expect(t.engine.status.error?.message).toBe('Atlas did not answer in time.');
    expect(t.timers.delays()).toEqual([1000]); // the retry
    t.timers.fireAll();
    await t.engine.whenIdle();
    expect(t.engine.status.state).toBe('synced');
  });

  it('stop() during a backoff wait clears the retry timer', async () => {
    const t = setup(() => jsonResponse({ code: 'internal', message: 'boom' }, 500));
    await t.engine.start();
    expect(t.timers.pending.size).toBe(1);
    t.engine.stop();
    expect(t.timers.pending.size).toBe(0);
  });
});
