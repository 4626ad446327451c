/**
 * @module chat/send-message
 * Sends one user message and streams the assistant's reply into the local store:
 * the user's row appears at once (`pending`), the reply grows token by token in a `streaming`
 * row, and the server's stored reply replaces it on `done`. A failure before Atlas accepted the
 * message keeps the user's row as `failed` (to resend); aborting keeps the partial reply as
 * `stopped`. Nothing the user typed is ever dropped.
 */
import {
  chatDeltaEventSchema,
  chatDoneEventSchema,
  chatErrorEventSchema,
  isErrorCode,
} from '@atlas/protocol';
import type { z } from 'zod';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { readSse } from '../api/sse.js';
import {
  type ChatDatabase,
  justAfter,
  laterOf,
  localTimestamp,
  newLocalId,
  type StoredMessage,
} from './chat-db.js';

export interface SendMessageOptions {
  api: Pick<ApiClient, 'raw'>;
  db: ChatDatabase;
  conversationId: string;
  content: string;
  /** Aborting stops the reply; the partial text stays, marked stopped. */
  signal: AbortSignal;
  /** Resend this failed user message (its row is reused) instead of adding a new one. */
  resendMessageId?: string;
  /** Called once Atlas has stored the user message (it answered 200). */
  onAccepted?: () => void;
  now?: () => Date;
}

export type SendOutcome = 'done' | 'stopped';

/** Resolves when the reply is complete or stopped; throws an {@link ApiError} otherwise. */
export async function sendMessage(options: SendMessageOptions): Promise<SendOutcome> {
  const { api, db, conversationId, content, signal } = options;
  const now = options.now ?? (() => new Date());
  // After the conversation's newest row, whatever this device's clock says.
  const newest = (await db.messagesOf(conversationId)).at(-1)?.createdAt;
  const clock = localTimestamp(now());
  const sentAt = newest === undefined ? clock : laterOf(clock, justAfter(newest));
  const userMessageId = await storePendingUserMessage(db, options, sentAt);

  let response: Response;
  try {
    response = await api.raw(`/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
      method: 'POST',
      body: { content },
      headers: { accept: 'text/event-stream' },
      signal,
    });
  } catch (thrown) {
    const error = ApiError.fromThrown(thrown);
    await db.messages.update(userMessageId, {
      local: 'failed',
      errorCode: error.code,
      errorMessage: error.message,
    });
    throw error;
  }

  // Atlas stored the user message before answering 200.
  options.onAccepted?.();
  await db.messages.update(userMessageId, { local: 'sent' });
  const replyId = newLocalId();
  const replyAt = justAfter(sentAt);
  await db.messages.put({
    id: replyId,
    conversationId,
    role: 'assistant',
    content: '',
    type: 'text',
    metadata: {},
    createdAt: replyAt,
    updatedAt: replyAt,
    local: 'streaming',
  });
  return streamReply(db, response, replyId, signal);
}

async function storePendingUserMessage(
  db: ChatDatabase,
  options: SendMessageOptions,
  at: string,
): Promise<string> {
  const resend =
    options.resendMessageId === undefined
      ? undefined
      : await db.messages.get(options.resendMessageId);
  if (resend !== undefined) {
    // Moves to the end of the conversation: it is being sent now.
    await db.messages.update(resend.id, {
      local: 'pending',
      createdAt: at,
      updatedAt: at,
      errorCode: undefined,
      errorMessage: undefined,
    });
    return resend.id;
  }
  const row: StoredMessage = {
    id: newLocalId(),
    conversationId: options.conversationId,
    role: 'user',
    content: options.content,
    type: 'text',
    metadata: {},
    createdAt: at,
    updatedAt: at,
    local: 'pending',
  };
  await db.messages.put(row);
  return row.id;
}

async function streamReply(
  db: ChatDatabase,
  response: Response,
  replyId: string,
  signal: AbortSignal,
): Promise<SendOutcome> {
  let text = '';
  try {
    if (response.body === null) throw new ApiError('network', 'The reply never arrived.');
    for await (const { event, data } of readSse(response.body)) {
      if (signal.aborted) break;
      if (event === 'delta') {
        text += parse(chatDeltaEventSchema, data).text;
        // updatedAt marks the row alive (see recoverInterruptedRows).
        await db.messages.update(replyId, { content: text, updatedAt: localTimestamp() });
      } else if (event === 'done') {
        const { deletedAt: _deletedAt, ...stored } = parse(chatDoneEventSchema, data).message;
        await db.transaction('rw', db.messages, async () => {
          await db.messages.delete(replyId);
          await db.messages.put(stored);
        });
        return 'done';
      } else if (event === 'error') {
        const failure = parse(chatErrorEventSchema, data);
        throw new ApiError(isErrorCode(failure.code) ? failure.code : 'internal', failure.message);
      }
    }
  } catch (thrown) {
    if (signal.aborted) return settleReply(db, replyId, 'stopped');
    const error = ApiError.fromThrown(thrown);
    const dropped = error.code === 'network' || error.code === 'offline';
    await settleReply(db, replyId, dropped ? 'stopped' : 'failed', error);
    throw dropped ? cutOff(error.code) : error;
  }
  if (signal.aborted) return settleReply(db, replyId, 'stopped');
  // The stream ended without `done` or `error`: the connection was cut.
  const error = cutOff('network');
  await settleReply(db, replyId, 'stopped', error);
  throw error;
}

const cutOff = (code: 'network' | 'offline') =>
  new ApiError(code, 'The connection dropped and the reply was cut off.');

/** Marks a reply that ended without `done`; the text received so far stays. */
async function settleReply(
  db: ChatDatabase,
  replyId: string,
  state: 'stopped' | 'failed',
  error?: ApiError,
): Promise<'stopped'> {
  await db.messages.update(replyId, {
    local: state,
    ...(error === undefined ? {} : { errorCode: error.code, errorMessage: error.message }),
  });
  return 'stopped';
}

function parse<T>(schema: z.ZodType<T>, data: string): T {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new ApiError('internal', 'Atlas sent a reply event that could not be read.');
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError('internal', 'Atlas sent an unexpected reply event.');
  return result.data;
}
