/**
 * Builders for chat rows and a scriptable fake of Atlas's chat API (`fetch`-shaped), shared by
 * the sync engine and chat view tests.
 */
import type { Conversation, Message, SyncResponse } from '@atlas/protocol';

let clock = Date.parse('2026-03-01T10:00:00Z');

/** A server timestamp, later than every one before it. */
export function serverTime(): string {
  clock += 1000;
  return new Date(clock).toISOString().replace(/Z$/, '000Z');
}

export function conversation(id: string, overrides: Partial<Conversation> = {}): Conversation {
  const at = serverTime();
  return { id, title: `Title ${id}`, createdAt: at, updatedAt: at, deletedAt: null, ...overrides };
}

export function message(
  id: string,
  conversationId: string,
  overrides: Partial<Message> = {},
): Message {
  const at = serverTime();
  return {
    id,
    conversationId,
    role: 'user',
    content: `content of ${id}`,
    type: 'text',
    metadata: {},
    createdAt: at,
    updatedAt: at,
    deletedAt: null,
    ...overrides,
  };
}

export function syncPage(overrides: Partial<SyncResponse> = {}): SyncResponse {
  return { conversations: [], messages: [], nextCursor: null, hasMore: false, ...overrides };
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** A promise with its resolve exposed: lets a test hold a request open. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

let databases = 0;
/** A user id no other test uses, so each test gets its own IndexedDB database. */
export function uniqueUserId(): string {
  databases += 1;
  return `test-user-${databases}-${Math.random().toString(36).slice(2)}`;
}
