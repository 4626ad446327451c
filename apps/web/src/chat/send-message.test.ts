import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../api/api-client.js';
import { ChatDatabase } from './chat-db.js';
import { sendMessage } from './send-message.js';
import { message, uniqueUserId } from './testing/chat-fixtures.js';

function sse(events: readonly [string, unknown][]): Response {
  const text = events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  return new Response(text.join(''), { headers: { 'content-type': 'text/event-stream' } });
}

describe('sendMessage', () => {
  it('orders the new message after the conversation even when this clock is behind', async () => {
    const db = new ChatDatabase(uniqueUserId());
    const { deletedAt: _d, ...previous } = message('srv-prev', 'c1', {
      role: 'assistant',
      createdAt: '2026-03-01T10:00:00.000000Z',
    });
    await db.messages.put(previous);
    const api = new ApiClient({
      getAccessToken: async () => 't',
      fetch: async () => sse([['delta', { text: 'Hi' }]]),
    });
    // This device thinks it is an hour earlier than the previous reply.
    await expect(
      sendMessage({
        api,
        db,
        conversationId: 'c1',
        content: 'Next question',
        signal: new AbortController().signal,
        now: () => new Date('2026-03-01T09:00:00Z'),
      }),
    ).rejects.toMatchObject({ code: 'network' }); // the stream ended without `done`
    const rows = await db.messagesOf('c1');
    expect(rows.map((m) => [m.role, m.local])).toEqual([
      ['assistant', undefined],
      ['user', 'sent'],
      ['assistant', 'stopped'],
    ]);
    expect(rows[2]?.content).toBe('Hi');
  });

  it('rejects a reply event it cannot read and marks the reply failed', async () => {
    const db = new ChatDatabase(uniqueUserId());
    const api = new ApiClient({
      getAccessToken: async () => 't',
      fetch: async () => sse([['delta', { nope: 1 }]]),
    });
    await expect(
      sendMessage({
        api,
        db,
        conversationId: 'c1',
        content: 'x',
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ code: 'internal' });
    const reply = (await db.messagesOf('c1')).find((m) => m.role === 'assistant');
    expect(reply?.local).toBe('failed');
  });
});
