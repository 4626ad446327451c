/**
 * @module chat
 * Wire contracts of the chat REST API (`/v1/conversations`, `/v1/sync`): request bodies and
 * queries, the DTOs (camelCase; timestamps are ISO-8601 UTC strings with microseconds, exactly
 * as Postgres stores them), and the server-sent events of a streamed assistant reply.
 */
import { z } from 'zod';

export const TITLE_MAX_CHARS = 200;
export const MESSAGE_MAX_CHARS = 10_000;
export const PAGE_LIMIT_MAX = 50;

/**
 * A title as stored: HTML/markup tags, control characters and surrounding whitespace removed,
 * runs of whitespace collapsed.
 *
 * @example
 * sanitizeTitle('<b>Trip</b>\u0000 plans'); // 'Trip plans'
 */
export function sanitizeTitle(raw: string): string {
  return (
    raw
      .replace(/<[^>]*>?/g, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** A title: sanitised, then 1..200 characters. */
export const titleSchema = z
  .string()
  .max(20_000)
  .transform(sanitizeTitle)
  .pipe(z.string().min(1).max(TITLE_MAX_CHARS));

/** `POST /v1/conversations` */
export const createConversationBodySchema = z.strictObject({
  title: titleSchema.optional(),
});
export type CreateConversationBody = z.infer<typeof createConversationBodySchema>;

/** `PATCH /v1/conversations/:id` */
export const renameConversationBodySchema = z.strictObject({ title: titleSchema });
export type RenameConversationBody = z.infer<typeof renameConversationBodySchema>;

/** `POST /v1/conversations/:id/messages` */
export const sendMessageBodySchema = z.strictObject({
  content: z
    .string()
    .max(MESSAGE_MAX_CHARS)
    .refine((s) => s.trim().length > 0, 'content must not be blank'),
});
export type SendMessageBody = z.infer<typeof sendMessageBodySchema>;

/** A `:id` path parameter. */
export const idParamsSchema = z.object({ id: z.guid() });

const limitSchema = z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(PAGE_LIMIT_MAX);

/** `?cursor&limit` of the list endpoints; the cursor is opaque (from `nextCursor`). */
export const pageQuerySchema = z.object({
  cursor: z.string().min(1).max(500).optional(),
  limit: limitSchema,
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

/** `GET /v1/sync?since&limit`; no `since` = from the beginning. */
export const syncQuerySchema = z.object({
  since: z.string().min(1).max(500).optional(),
  limit: limitSchema,
});
export type SyncQuery = z.infer<typeof syncQuerySchema>;

export const conversationSchema = z.object({
  id: z.string(),
  title: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deletedAt: z.string().nullable(),
});
export type Conversation = z.infer<typeof conversationSchema>;

export const messageRoleSchema = z.enum(['user', 'assistant', 'system']);

export const messageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  role: messageRoleSchema,
  content: z.string(),
  type: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
  deletedAt: z.string().nullable(),
});
export type Message = z.infer<typeof messageSchema>;

export const conversationPageSchema = z.object({
  conversations: z.array(conversationSchema),
  nextCursor: z.string().nullable(),
});
export type ConversationPage = z.infer<typeof conversationPageSchema>;

/** Messages of one conversation, oldest first (created_at asc, id asc). */
export const messagePageSchema = z.object({
  messages: z.array(messageSchema),
  nextCursor: z.string().nullable(),
});
export type MessagePage = z.infer<typeof messagePageSchema>;

/** `GET /v1/sync`: rows changed after `since`, tombstones (deletedAt set) included. */
export const syncResponseSchema = z.object({
  conversations: z.array(conversationSchema),
  messages: z.array(messageSchema),
  /** Pass as `since` next time; unchanged input cursor when nothing was new. */
  nextCursor: z.string().nullable(),
  hasMore: z.boolean(),
});
export type SyncResponse = z.infer<typeof syncResponseSchema>;

export const chatUsageSchema = z.object({
  model: z.string(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});
export type ChatUsage = z.infer<typeof chatUsageSchema>;

/** Server-sent events of `POST /v1/conversations/:id/messages` (the SSE `event:` names). */
export const chatDeltaEventSchema = z.object({ text: z.string() });
export const chatDoneEventSchema = z.object({ message: messageSchema, usage: chatUsageSchema });
export const chatErrorEventSchema = z.object({ code: z.string(), message: z.string() });
export type ChatStreamEvent =
  | { event: 'delta'; data: z.infer<typeof chatDeltaEventSchema> }
  | { event: 'done'; data: z.infer<typeof chatDoneEventSchema> }
  | { event: 'error'; data: z.infer<typeof chatErrorEventSchema> };
