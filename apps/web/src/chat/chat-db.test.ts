import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  ChatDatabase,
  INTERRUPTED_AFTER_MS,
  justAfter,
  laterOf,
  localTimestamp,
  recoverInterruptedRows,
  type StoredMessage,
} from './chat-db.js';
import { uniqueUserId } from './testing/chat-fixtures.js';

const NOW = new Date('2026-03-01T12:00:00Z');

function row(id: string, local: StoredMessage['local'], ageMs: number): StoredMessage {
  const at = localTimestamp(new Date(NOW.getTime() - ageMs));
  return {
    id,
    conversationId: 'c1',
    role: local === 'streaming' ? 'assistant' : 'user',
    content: id,
    type: 'text',
    metadata: {},
    createdAt: at,
    updatedAt: at,
    ...(local === undefined ? {} : { local }),
  };
}

describe('recoverInterruptedRows', () => {
  it('fails stale pending sends and stops stale streams, leaving live ones and server rows', async () => {
    const db = new ChatDatabase(uniqueUserId());
    const old = INTERRUPTED_AFTER_MS + 1000;
    await db.messages.bulkPut([
      row('stale-pending', 'pending', old),
      row('stale-streaming', 'streaming', old),
      row('live-pending', 'pending', 1000),
      row('server', undefined, old),
    ]);
    expect(await recoverInterruptedRows(db, NOW)).toBe(2);
    const byId = Object.fromEntries((await db.messages.toArray()).map((m) => [m.id, m.local]));
    expect(byId).toEqual({
      'stale-pending': 'failed',
      'stale-streaming': 'stopped',
      'live-pending': 'pending',
      server: undefined,
    });
  });
});

describe('timestamps', () => {
  it('steps one microsecond, carrying into the next second', () => {
    expect(justAfter('2026-03-01T10:00:00.000001Z')).toBe('2026-03-01T10:00:00.000002Z');
    expect(justAfter('2026-03-01T10:00:59.999999Z')).toBe('2026-03-01T10:01:00.000000Z');
    expect(justAfter('not a timestamp')).toBe('not a timestamp');
    expect(laterOf('2026-03-01T10:00:00.000001Z', '2026-03-01T09:00:00.000000Z')).toBe(
      '2026-03-01T10:00:00.000001Z',
    );
  });
});
