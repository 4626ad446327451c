/**
 * @module chat/conversation-actions
 * Creating, renaming and deleting conversations: each goes to Atlas first (the server picks
 * ids and is the source of truth) and then into the local store, so the list updates at once
 * without waiting for the next sync. Failures throw {@link ApiError}s for the UI to describe.
 */
import {
  type Conversation,
  conversationSchema,
  TITLE_MAX_CHARS,
  titleSchema,
} from '@atlas/protocol';
import { z } from 'zod';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { ChatDatabase } from './chat-db.js';

const conversationBody = z.object({ conversation: conversationSchema });

/** A list action that has not started answering by then is reported, not waited on forever. */
const ACTION_TIMEOUT_MS = 15_000;

async function store(db: ChatDatabase, conversation: Conversation): Promise<void> {
  const { deletedAt: _deletedAt, ...row } = conversation;
  await db.conversations.put(row);
}

/** The title as it will be stored, or a message saying why it cannot be. */
export function validateTitle(
  raw: string,
): { ok: true; title: string } | { ok: false; error: string } {
  const parsed = titleSchema.safeParse(raw);
  if (parsed.success) return { ok: true, title: parsed.data };
  return {
    ok: false,
    error:
      raw.trim().length === 0
        ? 'The title cannot be empty.'
        : `Keep the title to ${TITLE_MAX_CHARS} characters or fewer.`,
  };
}

/** A title from the first message: its first line, shortened at a word. */
export function titleFromMessage(content: string, max = 60): string {
  const line = content.trim().split('\n')[0]?.trim() ?? '';
  if (line.length <= max) return line;
  const cut = line.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export async function createConversation(
  api: Pick<ApiClient, 'json'>,
  db: ChatDatabase,
  title?: string,
): Promise<Conversation> {
  const valid = title === undefined ? undefined : validateTitle(title);
  const body = valid?.ok === true ? { title: valid.title } : {};
  const { conversation } = await api.json('/v1/conversations', conversationBody, {
    method: 'POST',
    body,
    timeoutMs: ACTION_TIMEOUT_MS,
  });
  await store(db, conversation);
  return conversation;
}

/** Shows the new title at once and puts the old one back if Atlas refuses. */
export async function renameConversation(
  api: Pick<ApiClient, 'json'>,
  db: ChatDatabase,
  id: string,
  rawTitle: string,
): Promise<void> {
  const valid = validateTitle(rawTitle);
  if (!valid.ok) throw new ApiError('validation_failed', valid.error, 400);
  const before = await db.conversations.get(id);
  await db.conversations.update(id, { title: valid.title });
  try {
    const { conversation } = await api.json(
      `/v1/conversations/${encodeURIComponent(id)}`,
      conversationBody,
      { method: 'PATCH', body: { title: valid.title }, timeoutMs: ACTION_TIMEOUT_MS },
    );
    await store(db, conversation);
  } catch (error) {
    if (before !== undefined) await db.conversations.update(id, { title: before.title });
    throw error;
  }
}

export async function deleteConversation(
  api: Pick<ApiClient, 'send'>,
  db: ChatDatabase,
  id: string,
): Promise<void> {
  try {
    await api.send(`/v1/conversations/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      timeoutMs: ACTION_TIMEOUT_MS,
    });
  } catch (error) {
    // Already gone on the server (deleted on another device): finish the job here.
    if (!(error instanceof ApiError && error.code === 'not_found')) throw error;
  }
  await db.deleteConversationLocally(id);
}
