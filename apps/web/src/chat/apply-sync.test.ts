import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { applySyncPage } from './apply-sync.js';
import { ChatDatabase, type StoredMessage } from './chat-db.js';
import { conversation, message, syncPage, uniqueUserId } from './testing/chat-fixtures.js';

function local(id: string, overrides: Partial<StoredMessage>): StoredMessage {
  const { deletedAt: _deletedAt, ...row } = message(id, 'c1', overrides);
  return { ...row, ...overrides };
}

describe('applySyncPage', () => {
  it('replaces a stopped local reply with the server copy marked cancelled, and keeps others', async () => {
    const db = new ChatDatabase(uniqueUserId());
    await db.messages.bulkPut([
      local('local-stopped', { role: 'assistant', content: 'Part', local: 'stopped' }),
      local('local-failed-user', { role: 'user', content: 'unsent', local: 'failed' }),
    ]);
    await applySyncPage(
      db,
      syncPage({
        conversations: [conversation('c1')],
        messages: [
          message('srv-a', 'c1', {
            role: 'assistant',
            content: 'Partial',
            metadata: { cancelled: true },
          }),
          // An ordinary reply (e.g. from a voice call) must not replace anything.
          message('srv-b', 'c1', { role: 'assistant', content: 'Other' }),
        ],
        nextCursor: 'n1',
      }),
    );
    expect((await db.messagesOf('c1')).map((m) => m.id).sort()).toEqual(
      ['local-failed-user', 'srv-a', 'srv-b'].sort(),
    );
  });

  it('keeps messages whose conversation arrives in a later page', async () => {
    const db = new ChatDatabase(uniqueUserId());
    await applySyncPage(db, syncPage({ messages: [message('early', 'c9')], nextCursor: 'p1' }));
    await applySyncPage(db, syncPage({ conversations: [conversation('c9')], nextCursor: 'p2' }));
    expect((await db.messagesOf('c9')).map((m) => m.id)).toEqual(['early']);
    expect(await db.conversations.get('c9')).toBeDefined();
  });

  it('keeps the stored cursor when a page has none', async () => {
    const db = new ChatDatabase(uniqueUserId());
    await applySyncPage(db, syncPage({ nextCursor: 'kept' }));
    await applySyncPage(db, syncPage({ nextCursor: null }));
    expect((await db.meta.get('syncCursor'))?.value).toBe('kept');
  });

  it('keeps a streaming reply below its message when the server stamped the message later', async () => {
    const db = new ChatDatabase(uniqueUserId());
    await db.messages.bulkPut([
      local('local-user', {
        content: 'question',
        local: 'sent',
        createdAt: '2026-03-01T09:00:00.000000Z',
      }),
      local('local-reply', {
        role: 'assistant',
        content: 'ans',
        local: 'streaming',
        createdAt: '2026-03-01T09:00:00.000001Z',
      }),
    ]);
    await applySyncPage(
      db,
      syncPage({
        messages: [
          message('srv-user', 'c1', {
            content: 'question',
            createdAt: '2026-03-01T09:00:05.000000Z',
          }),
        ],
        nextCursor: 'n',
      }),
    );
    expect((await db.messagesOf('c1')).map((m) => m.id)).toEqual(['srv-user', 'local-reply']);
  });
});
