import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  ChatDatabase,
  INTERRUPTED_AFTER_MS,
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
