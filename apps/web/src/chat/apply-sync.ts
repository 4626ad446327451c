/**
 * @module chat/apply-sync
 * Applies one `/v1/sync` page to the local store in a single transaction: upserts, tombstones
 * (a deleted conversation takes its messages with it), the reconciliation of rows this device
 * wrote before the server confirmed them, and the new cursor — all or nothing, so a crash or
 * a closed tab never leaves a cursor ahead of the data.
 */
import type { Message, SyncResponse } from '@atlas/protocol';
import { type ChatDatabase, justAfter, type StoredMessage, SYNC_CURSOR_KEY } from './chat-db.js';

export async function applySyncPage(db: ChatDatabase, page: SyncResponse): Promise<void> {
  await db.transaction('rw', db.conversations, db.messages, db.meta, async () => {
    for (const conversation of page.conversations) {
      const { deletedAt, ...row } = conversation;
      if (deletedAt !== null) await db.deleteConversationLocally(conversation.id);
      else await db.conversations.put(row);
    }
    for (const message of page.messages) {
      if (message.deletedAt !== null) {
        await db.messages.delete(message.id);
        continue;
      }
      // Stored even when its conversation has not arrived yet: sync orders rows by their last
      // change, so a conversation touched later comes in a later page than its first messages.
      await replaceLocalCopy(db, message);
      const { deletedAt: _deletedAt, ...row } = message;
      await db.messages.put(row);
    }
    if (page.nextCursor !== null) {
      await db.meta.put({ key: SYNC_CURSOR_KEY, value: page.nextCursor });
    }
  });
}

/**
 * The server's copy of a message this device sent or streamed replaces the local row: a user
 * message by its content; a reply that was cut short or failed (the server stores those marked
 * `cancelled` or `error`) by being the oldest such local reply in the conversation.
 */
async function replaceLocalCopy(db: ChatDatabase, message: Message): Promise<void> {
  if ((await db.messages.get(message.id)) !== undefined) return;
  const locals = (await db.messagesOf(message.conversationId)).filter(
    (row: StoredMessage) => row.local !== undefined && row.role === message.role,
  );
  let match: StoredMessage | undefined;
  if (message.role === 'user') {
    match = locals.find(
      (row) => (row.local === 'pending' || row.local === 'sent') && row.content === message.content,
    );
  } else if (message.metadata.cancelled === true || message.metadata.error !== undefined) {
    match = locals.find((row) => row.local === 'stopped' || row.local === 'failed');
  }
  if (match === undefined) return;
  await db.messages.delete(match.id);
  if (message.role !== 'user') return;
  // A reply still streaming for this message must stay below it, though the server's clock
  // stamped the message later than this device's did.
  for (const reply of await db.messagesOf(message.conversationId)) {
    if (reply.local === 'streaming' && reply.createdAt <= message.createdAt) {
      await db.messages.update(reply.id, { createdAt: justAfter(message.createdAt) });
    }
  }
}
