import 'fake-indexeddb/auto';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatDatabase } from './chat-db.js';
import {
  conversation,
  deferred,
  jsonResponse,
  message,
  syncPage,
  uniqueUserId,
} from './testing/chat-fixtures.js';
import { renderChat, ScriptedReply } from './testing/render-chat.js';

afterEach(cleanup);

async function withConversation(db: ChatDatabase, id = 'c1') {
  const at = '2026-03-01T09:00:00.000000Z';
  await db.conversations.put({ id, title: 'Trip plans', createdAt: at, updatedAt: at });
}

function input(): HTMLTextAreaElement {
  return screen.getByTestId('chat-input') as HTMLTextAreaElement;
}

async function type(text: string) {
  fireEvent.change(input(), { target: { value: text } });
  fireEvent.keyDown(input(), { key: 'Enter' });
}

describe('ChatPage', () => {
  it('shows the user message at once and streams the reply token by token', async () => {
    let reply: ScriptedReply | undefined;
    const view = renderChat({
      conversationId: 'c1',
      onSend: (_body, signal) => {
        reply = new ScriptedReply(signal);
        return new Response(reply.body, { headers: { 'content-type': 'text/event-stream' } });
      },
    });
    await withConversation(view.db);
    await screen.findByRole('heading', { name: 'Trip plans' });

    await type('Plan a weekend in Lisbon');
    expect((await screen.findByTestId('message-user')).textContent).toBe(
      'Plan a weekend in Lisbon',
    );
    expect(input().value).toBe('');
    await waitFor(() => expect(reply).toBeDefined());
    expect(await screen.findByTestId('chat-stop')).toBeTruthy();

    act(() => reply?.event('delta', { text: 'Day one:' }));
    await waitFor(() =>
      expect(screen.getByTestId('message-assistant').textContent).toContain('Day one:'),
    );
    expect(screen.getByTestId('message-assistant').getAttribute('data-streaming')).toBe('true');
    act(() => reply?.event('delta', { text: ' Alfama.' }));
    await waitFor(() =>
      expect(screen.getByTestId('message-assistant').textContent).toContain('Day one: Alfama.'),
    );

    const stored = message('server-reply', 'c1', {
      role: 'assistant',
      content: 'Day one: Alfama.',
    });
    act(() => {
      reply?.event('done', {
        message: stored,
        usage: { model: 'm', inputTokens: 1, outputTokens: 2 },
      });
      reply?.end();
    });
    await waitFor(() =>
      expect(screen.getByTestId('message-assistant').getAttribute('data-streaming')).toBe('false'),
    );
    expect(screen.getByTestId('message-assistant').textContent).toBe('Day one: Alfama.');
    expect(screen.queryByTestId('chat-stop')).toBeNull();
    expect(screen.getByTestId('chat-send')).toBeTruthy();
    expect(screen.queryByTestId('chat-error')).toBeNull();
    // The stored reply replaced the streaming row.
    expect((await view.db.messagesOf('c1')).filter((m) => m.role === 'assistant')).toEqual([
      expect.objectContaining({ id: 'server-reply' }),
    ]);
  });

  it('stop aborts the reply and keeps the partial text, marked stopped', async () => {
    let reply: ScriptedReply | undefined;
    const view = renderChat({
      conversationId: 'c1',
      onSend: (_body, signal) => {
        reply = new ScriptedReply(signal);
        return new Response(reply.body);
      },
    });
    await withConversation(view.db);
    await screen.findByRole('heading', { name: 'Trip plans' });
    await type('Tell me a long story');
    await waitFor(() => expect(reply).toBeDefined());
    act(() => reply?.event('delta', { text: 'Once upon a time' }));
    await waitFor(() =>
      expect(screen.getByTestId('message-assistant').textContent).toContain('Once upon a time'),
    );

    fireEvent.click(screen.getByTestId('chat-stop'));
    await waitFor(() =>
      expect(screen.getByTestId('message-assistant').getAttribute('data-streaming')).toBe('false'),
    );
    expect(reply?.aborted).toBe(true);
    expect(screen.getByTestId('message-assistant').textContent).toBe('Once upon a time');
    expect(screen.getByTestId('message-stopped')).toBeTruthy();
    expect(screen.queryByTestId('chat-stop')).toBeNull();
    expect(screen.queryByTestId('chat-error')).toBeNull();
  });

  it('shows a rate limit with the wait and keeps the text and the message to resend', async () => {
    const view = renderChat({
      conversationId: 'c1',
      onSend: () =>
        jsonResponse({ code: 'rate_limited', message: 'Too many requests' }, 429, {
          'retry-after': '12',
        }),
    });
    await withConversation(view.db);
    await screen.findByRole('heading', { name: 'Trip plans' });
    await type('Are you there?');

    const alert = await screen.findByTestId('chat-error');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('You are sending messages too quickly. Try again in 12 s.');
    await waitFor(() => expect(input().value).toBe('Are you there?'));
    const bubble = screen.getByTestId('message-user');
    expect(bubble.textContent).toBe('Are you there?');
    expect(bubble.getAttribute('data-local')).toBe('failed');
  });

  it('keeps an offline message and resends it without duplicating it', async () => {
    let online = false;
    let reply: ScriptedReply | undefined;
    const view = renderChat({
      conversationId: 'c1',
      onSend: (_body, signal) => {
        if (!online) throw new TypeError('Failed to fetch');
        reply = new ScriptedReply(signal);
        return new Response(reply.body);
      },
    });
    await withConversation(view.db);
    await screen.findByRole('heading', { name: 'Trip plans' });
    await type('Hello offline world');
    expect((await screen.findByTestId('chat-error')).textContent).toContain(
      'Atlas could not be reached',
    );
    await waitFor(() => expect(input().value).toBe('Hello offline world'));

    online = true;
    fireEvent.click(screen.getByTestId('message-resend'));
    await waitFor(() => expect(reply).toBeDefined());
    act(() => {
      reply?.event('done', {
        message: message('srv', 'c1', { role: 'assistant', content: 'Hi!' }),
        usage: { model: 'm', inputTokens: 1, outputTokens: 1 },
      });
      reply?.end();
    });
    await waitFor(() => expect(screen.getByTestId('message-assistant').textContent).toBe('Hi!'));
    expect(screen.getAllByTestId('message-user')).toHaveLength(1);
    expect(screen.getByTestId('message-user').getAttribute('data-local')).toBe('sent');
    // The text put back in the box was sent by the resend: it is not left there to send twice.
    expect(input().value).toBe('');
    expect(screen.queryByTestId('chat-error')).toBeNull();
  });

  it('explains the monthly limit and reply errors from the stream', async () => {
    let limited = true;
    const view = renderChat({
      conversationId: 'c1',
      onSend: (_body, signal) => {
        if (limited) return jsonResponse({ code: 'limit_reached', message: 'Limit' }, 402);
        const reply = new ScriptedReply(signal);
        reply.event('delta', { text: 'Half' });
        reply.event('error', { code: 'provider_unavailable', message: 'The AI provider is down.' });
        reply.end();
        return new Response(reply.body);
      },
    });
    await withConversation(view.db);
    await screen.findByRole('heading', { name: 'Trip plans' });
    await type('First');
    expect((await screen.findByTestId('chat-error')).textContent).toContain(
      'reached this month’s usage limit',
    );

    limited = false;
    await type('Second');
    await waitFor(() =>
      expect(screen.getByTestId('chat-error').textContent).toContain('The AI provider is down.'),
    );
    const assistant = screen.getByTestId('message-assistant');
    expect(assistant.textContent).toBe('Half');
    expect(assistant.getAttribute('data-streaming')).toBe('false');
  });

  it('Shift+Enter adds a line instead of sending', async () => {
    const view = renderChat({ conversationId: 'c1', onSend: () => jsonResponse({}, 500) });
    await withConversation(view.db);
    await screen.findByRole('heading', { name: 'Trip plans' });
    fireEvent.change(input(), { target: { value: 'line one' } });
    const event = fireEvent.keyDown(input(), { key: 'Enter', shiftKey: true });
    expect(event).toBe(true); // not prevented: the browser inserts the newline
    expect(screen.queryByTestId('message-user')).toBeNull();
    expect(view.fetch.mock.calls.some(([url]) => String(url).endsWith('/messages'))).toBe(false);
  });

  it('renames inline with validation and deletes after confirmation', async () => {
    const view = renderChat({ conversationId: null, onSend: () => jsonResponse({}, 500) });
    await withConversation(view.db);
    const item = await screen.findByTestId('conversation-item');
    expect(item.textContent).toBe('Trip plans');

    fireEvent.click(screen.getByTestId('rename-conversation'));
    const field = screen.getByTestId('rename-input') as HTMLInputElement;
    fireEvent.change(field, { target: { value: 'x'.repeat(201) } });
    fireEvent.submit(field);
    expect(screen.getByRole('alert').textContent).toContain('200 characters or fewer');
    fireEvent.change(field, { target: { value: '  Lisbon <b>weekend</b> ' } });
    fireEvent.submit(field);
    await waitFor(() =>
      expect(screen.getByTestId('conversation-item').textContent).toBe('Lisbon weekend'),
    );

    // Escape backs out of the confirmation.
    fireEvent.click(screen.getByTestId('delete-conversation'));
    fireEvent.keyDown(screen.getByRole('alertdialog'), { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();

    view.fetch.mockImplementationOnce(async () => new Response(null, { status: 204 }));
    fireEvent.click(screen.getByTestId('delete-conversation'));
    const dialog = screen.getByRole('alertdialog');
    expect(within(dialog).getByText(/cannot be undone/)).toBeTruthy();
    fireEvent.click(within(dialog).getByTestId('confirm-delete'));
    await waitFor(() => expect(screen.queryByTestId('conversation-item')).toBeNull());
    expect(await view.db.conversations.get('c1')).toBeUndefined();
  });

  it('leaves no window listener behind after unmount (sync engine stopped)', async () => {
    const add = vi.spyOn(window, 'addEventListener');
    const remove = vi.spyOn(window, 'removeEventListener');
    const view = renderChat({ conversationId: null, onSend: () => jsonResponse({}, 500) });
    await screen.findByTestId('sync-status');
    await waitFor(() =>
      expect(screen.getByTestId('sync-status').getAttribute('data-state')).toBe('synced'),
    );
    const watched = ['focus', 'online', 'offline'];
    const added = add.mock.calls.filter(([type]) => watched.includes(type));
    expect(added.length).toBeGreaterThanOrEqual(3);
    view.unmount();
    for (const [type, listener] of added) {
      expect(remove).toHaveBeenCalledWith(type, listener);
    }
    add.mockRestore();
    remove.mockRestore();
  });

  it('shows stored history at once (local) and then what sync brings (synced)', async () => {
    const db = new ChatDatabase(uniqueUserId());
    await withConversation(db);
    const { deletedAt: _d, ...stored } = message('m-old', 'c1', { content: 'From last time' });
    await db.messages.put(stored);
    const gate = deferred<Response>();
    renderChat({
      conversationId: 'c1',
      database: db,
      onSend: () => jsonResponse({}, 500),
      onSync: () => gate.promise,
    });
    expect((await screen.findByTestId('message-user')).textContent).toBe('From last time');
    expect(screen.getByTestId('sync-status').getAttribute('data-state')).toBe('local');

    gate.resolve(
      jsonResponse(
        syncPage({
          conversations: [conversation('c1', { title: 'Trip plans' })],
          messages: [message('m-new', 'c1', { role: 'assistant', content: 'From the server' })],
          nextCursor: 'cursor-1',
        }),
      ),
    );
    await waitFor(() =>
      expect(screen.getByTestId('sync-status').getAttribute('data-state')).toBe('synced'),
    );
    expect(screen.getByTestId('message-assistant').textContent).toBe('From the server');
  });

  it('looks for a deep-linked conversation while syncing, then says it is not found', async () => {
    const gate = deferred<Response>();
    renderChat({
      conversationId: 'missing',
      onSend: () => jsonResponse({}, 500),
      onSync: () => gate.promise,
    });
    expect(await screen.findByText('Looking for this conversation…')).toBeTruthy();
    gate.resolve(jsonResponse(syncPage({ nextCursor: 'c' })));
    expect(await screen.findByText('Conversation not found')).toBeTruthy();
  });
});
