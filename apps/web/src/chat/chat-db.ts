/**
 * @module chat/chat-db
 * The device's copy of the user's chat history: one IndexedDB database per user
 * (`atlas-<userId>`) holding conversations, messages and sync metadata. The UI reads only from
 * here, so a reload shows history at once; the sync engine and the sender write to it.
 *
 * Rows written before the server has confirmed them carry `local` (their state on this device)
 * and a `local-` id; they are replaced by the server's rows when those arrive.
 */
import type { Conversation, Message } from '@atlas/protocol';
import { Dexie, type Table } from 'dexie';

/**
 * What happened to a row the server has not (yet) handed back:
 * - `pending`: a user message being sent;
 * - `sent`: accepted by the server, waiting for sync to bring the stored copy;
 * - `failed`: a user message that did not reach the server (kept to resend), or a reply that
 *   ended in an error;
 * - `streaming`: an assistant reply still arriving;
 * - `stopped`: a reply cut short (stop button or a dropped connection); the partial text stays.
 */
export type LocalState = 'pending' | 'sent' | 'failed' | 'streaming' | 'stopped';

export type StoredConversation = Omit<Conversation, 'deletedAt'>;

export interface StoredMessage extends Omit<Message, 'deletedAt'> {
  local?: LocalState;
  /** Why a `failed`/`stopped` row failed: an error code for {@link describeError}. */
  errorCode?: string;
  errorMessage?: string;
}

export interface MetaRow {
  key: string;
  value: string;
}

export const SYNC_CURSOR_KEY = 'syncCursor';
export const LOCAL_ID_PREFIX = 'local-';

export class ChatDatabase extends Dexie {
  conversations!: Table<StoredConversation, string>;
  messages!: Table<StoredMessage, string>;
  meta!: Table<MetaRow, string>;

  constructor(userId: string) {
    super(`atlas-${userId}`);
    this.version(1).stores({
      conversations: 'id, updatedAt',
      messages: 'id, conversationId, [conversationId+createdAt]',
      meta: 'key',
    });
  }

  /** The conversation's messages in reading order (oldest first). */
  messagesOf(conversationId: string): Promise<StoredMessage[]> {
    return this.messages
      .where('[conversationId+createdAt]')
      .between([conversationId, Dexie.minKey], [conversationId, Dexie.maxKey])
      .toArray();
  }

  /** Newest first, as the list shows them. */
  conversationsByRecency(): Promise<StoredConversation[]> {
    return this.conversations.orderBy('updatedAt').reverse().toArray();
  }

  async deleteConversationLocally(conversationId: string): Promise<void> {
    await this.transaction('rw', this.conversations, this.messages, async () => {
      await this.conversations.delete(conversationId);
      await this.messages.where('conversationId').equals(conversationId).delete();
    });
  }
}

/** A send or stream that has not moved for this long was cut off by a closed or crashed tab. */
export const INTERRUPTED_AFTER_MS = 2 * 60_000;

/**
 * After a reload, rows left `pending` or `streaming` by a tab that closed mid-send would stay
 * that way forever: the user message becomes `failed` (so it can be resent) and the reply
 * `stopped`. Only rows idle for {@link INTERRUPTED_AFTER_MS}, so another open tab's live send
 * is left alone.
 */
export async function recoverInterruptedRows(db: ChatDatabase, now = new Date()): Promise<number> {
  const cutoff = localTimestamp(new Date(now.getTime() - INTERRUPTED_AFTER_MS));
  return db.messages
    .filter(
      (row) => (row.local === 'pending' || row.local === 'streaming') && row.updatedAt < cutoff,
    )
    .modify((row) => {
      if (row.local === 'pending') {
        row.local = 'failed';
        row.errorCode = 'network';
        row.errorMessage = 'The page was closed before the message was sent.';
      } else {
        row.local = 'stopped';
      }
    });
}

const open = new Map<string, ChatDatabase>();

/** One instance per user for the page's lifetime (React remounts must not reopen it). */
export function chatDatabaseFor(userId: string): ChatDatabase {
  let db = open.get(userId);
  if (db === undefined) {
    db = new ChatDatabase(userId);
    open.set(userId, db);
  }
  return db;
}

/** On sign-out: the next user of this tab gets their own database. */
export function closeChatDatabase(userId: string): void {
  open.get(userId)?.close();
  open.delete(userId);
}

/** A timestamp in the server's format (microseconds), so local and server rows sort together. */
export function localTimestamp(now = new Date()): string {
  return now.toISOString().replace(/Z$/, '000Z');
}

const TIMESTAMP = /^(.*\.)(\d{6})Z$/;

/**
 * The timestamp one microsecond after `timestamp` (server format). Rows written here sort after
 * everything already in the conversation even when this device's clock is behind Atlas's.
 */
export function justAfter(timestamp: string): string {
  const match = TIMESTAMP.exec(timestamp);
  if (match === null) return timestamp;
  const micros = Number(match[2]) + 1;
  if (micros < 1_000_000) return `${match[1]}${String(micros).padStart(6, '0')}Z`;
  const nextSecond = new Date(Date.parse(`${match[1]}000Z`) + 1000);
  return localTimestamp(nextSecond);
}

/** The later of two timestamps in the server format (they compare as strings). */
export function laterOf(a: string, b: string): string {
  return a > b ? a : b;
}

export function newLocalId(): string {
  return `${LOCAL_ID_PREFIX}${crypto.randomUUID()}`;
}
