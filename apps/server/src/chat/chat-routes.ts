/**
 * @module chat/chat-routes
 * The chat REST API under `/v1`: conversations (list, create, rename, soft delete), their
 * messages (paged oldest first), sending a message with the assistant's reply streamed as
 * server-sent events, and the offline sync pull. Every query runs through `db.withUser`, so
 * row-level security decides what a user sees; others' ids answer 404 like missing ones.
 *
 * Cursors are opaque base64url JSON of the row's position with timestamps kept at Postgres'
 * microsecond precision (ISO text, never JS Date milliseconds).
 *
 * @remarks Sync limitation: `updated_at` is the writing transaction's start time, so a slow
 * transaction committing after a client already synced past its timestamp can be missed.
 *
 * @example
 * await app.register(chatRoutes, { db, verifier, llm, hooks: noopChatHooks });
 */
import { randomUUID } from 'node:crypto';
import {
  type ChatUsage,
  type Conversation,
  createConversationBodySchema,
  idParamsSchema,
  type Message,
  MODEL_MAP,
  pageQuerySchema,
  renameConversationBodySchema,
  sendMessageBodySchema,
  syncQuerySchema,
  type Tier,
} from '@atlas/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { requireUser } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Database, JwtClaims, Queryable } from '../db/database.js';
import { AtlasError } from '../errors.js';
import { estimateTokens, type LlmMessage, type LlmProvider } from '../providers/llm/llm.js';

export interface ChatUsageEvent {
  userId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  conversationId: string;
  messageId: string;
  cancelled: boolean;
}

/** Policy plugged in by the app: limits before a send, metering after every LLM call. */
export interface ChatHooks {
  /** Throws `rate_limited` or `limit_reached` to refuse the send (nothing is stored). */
  beforeSend(claims: JwtClaims, tier: Tier): Promise<void>;
  /** Called once per LLM call, cancelled and failed ones included. */
  recordUsage(event: ChatUsageEvent): Promise<void>;
}

export const noopChatHooks: ChatHooks = {
  async beforeSend() {},
  async recordUsage() {},
};

export interface ChatRoutesOptions {
  db: Database;
  verifier: TokenVerifier;
  llm: LlmProvider;
  hooks?: ChatHooks;
  /** Messages of history sent as context (default 40). */
  historyLimit?: number;
  system?: string;
}

const ts = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const CONVERSATION_COLUMNS = `id, title, ${ts('created_at')} as "createdAt",
  ${ts('updated_at')} as "updatedAt", ${ts('deleted_at')} as "deletedAt"`;
const MESSAGE_COLUMNS = `id, conversation_id as "conversationId", role, content, type, metadata,
  ${ts('created_at')} as "createdAt", ${ts('updated_at')} as "updatedAt",
  ${ts('deleted_at')} as "deletedAt"`;

const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** Decodes a cursor of `[timestamp, ...uuid-or-kind]`; `validation_failed` when tampered. */
export function decodeCursor(cursor: string, length: number): string[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parts) &&
      parts.length === length &&
      parts.every((p) => typeof p === 'string') &&
      TS_RE.test(String(parts[0])) &&
      UUID_RE.test(String(parts[length - 1]))
    ) {
      return parts as string[];
    }
  } catch {
    // fall through
  }
  throw new AtlasError('validation_failed', 'The cursor is invalid.');
}

async function findConversation(tx: Queryable, id: string): Promise<Conversation> {
  const { rows } = await tx.query<Conversation>(
    `select ${CONVERSATION_COLUMNS} from public.conversations where id = $1 and deleted_at is null`,
    [id],
  );
  const row = rows[0];
  if (!row) throw new AtlasError('not_found', 'Conversation not found.');
  return row;
}

function sse(reply: FastifyReply, event: string, data: unknown): void {
  if (reply.raw.destroyed || reply.raw.writableEnded) return;
  reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * One page of a keyset listing fetched with `limit + 1` rows: the extra row only says that
 * another page exists, and the cursor points after the page's last row.
 */
function pageOf<T>(
  rows: readonly T[],
  limit: number,
  cursorOf: (row: T) => string[],
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}

export async function chatRoutes(app: FastifyInstance, options: ChatRoutesOptions): Promise<void> {
  const { db, llm } = options;
  const hooks = options.hooks ?? noopChatHooks;
  const historyLimit = options.historyLimit ?? 40;
  const preHandler = requireUser(options.verifier);

  app.get('/v1/conversations', { preHandler }, async (request) => {
    const query = pageQuerySchema.parse(request.query);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 2);
    const rows = await db.withUser(request.user, async (tx) => {
      const params: unknown[] = [query.limit + 1];
      let where = 'deleted_at is null';
      if (after) {
        params.push(after[0], after[1]);
        where += ' and (updated_at, id) < ($2::timestamptz, $3::uuid)';
      }
      const result = await tx.query<Conversation>(
        `select ${CONVERSATION_COLUMNS} from public.conversations where ${where}
         order by updated_at desc, id desc limit $1`,
        params,
      );
      return result.rows;
    });
    const { items, nextCursor } = pageOf(rows, query.limit, (row) => [row.updatedAt, row.id]);
    return { conversations: items, nextCursor };
  });

  app.post('/v1/conversations', { preHandler }, async (request, reply) => {
    const body = createConversationBodySchema.parse(request.body ?? {});
    const conversation = await db.withUser(request.user, async (tx) => {
      const { rows } = await tx.query<Conversation>(
        `insert into public.conversations (title) values ($1) returning ${CONVERSATION_COLUMNS}`,
        [body.title ?? null],
      );
      return rows[0];
    });
    return reply.status(201).send({ conversation });
  });

  app.patch('/v1/conversations/:id', { preHandler }, async (request) => {
    const { id } = idParamsSchema.parse(request.params);
    const body = renameConversationBodySchema.parse(request.body);
    const conversation = await db.withUser(request.user, async (tx) => {
      const { rows } = await tx.query<Conversation>(
        `update public.conversations set title = $2 where id = $1 and deleted_at is null
         returning ${CONVERSATION_COLUMNS}`,
        [id, body.title],
      );
      return rows[0];
    });
    if (!conversation) throw new AtlasError('not_found', 'Conversation not found.');
    return { conversation };
  });

  app.delete('/v1/conversations/:id', { preHandler }, async (request, reply) => {
    const { id } = idParamsSchema.parse(request.params);
    await db.withUser(request.user, async (tx) => {
      const { rowCount } = await tx.query(
        'update public.conversations set deleted_at = now() where id = $1 and deleted_at is null',
        [id],
      );
      if (rowCount === 0) throw new AtlasError('not_found', 'Conversation not found.');
      await tx.query(
        `update public.messages set deleted_at = now()
         where conversation_id = $1 and deleted_at is null`,
        [id],
      );
    });
    return reply.status(204).send();
  });

  // Oldest first (created_at asc, id asc): pages read forward through the transcript.
  app.get('/v1/conversations/:id/messages', { preHandler }, async (request) => {
    const { id } = idParamsSchema.parse(request.params);
    const query = pageQuerySchema.parse(request.query);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 2);
    const rows = await db.withUser(request.user, async (tx) => {
      await findConversation(tx, id);
      const params: unknown[] = [id, query.limit + 1];
      let where = 'conversation_id = $1 and deleted_at is null';
      if (after) {
        params.push(after[0], after[1]);
        where += ' and (created_at, id) > ($3::timestamptz, $4::uuid)';
      }
      const result = await tx.query<Message>(
        `select ${MESSAGE_COLUMNS} from public.messages where ${where}
         order by created_at asc, id asc limit $2`,
        params,
      );
      return result.rows;
    });
    const { items, nextCursor } = pageOf(rows, query.limit, (row) => [row.createdAt, row.id]);
    return { messages: items, nextCursor };
  });

  app.post('/v1/conversations/:id/messages', { preHandler }, async (request, reply) => {
    const { id } = idParamsSchema.parse(request.params);
    const body = sendMessageBodySchema.parse(request.body);
    const claims = request.user;
    const tier = await db.withUser(claims, async (tx) => {
      await findConversation(tx, id);
      const { rows } = await tx.query<{ tier: Tier }>(
        'select tier from public.profiles where id = (select auth.uid())',
      );
      const found = rows[0]?.tier;
      if (!found) throw new AtlasError('forbidden', 'No profile for this user.');
      return found;
    });
    await hooks.beforeSend(claims, tier);
    const model = MODEL_MAP[tier].chat;

    const history = await db.withUser(claims, async (tx) => {
      await tx.query(
        'insert into public.messages (conversation_id, role, content) values ($1, $2, $3)',
        [id, 'user', body.content],
      );
      await tx.query('update public.conversations set updated_at = now() where id = $1', [id]);
      const { rows } = await tx.query<LlmMessage>(
        `select role, content from public.messages
         where conversation_id = $1 and deleted_at is null and role in ('user', 'assistant')
         order by created_at desc, id desc limit $2`,
        [id, historyLimit],
      );
      return rows.reverse();
    });

    // Headers set by earlier hooks (CORS, helmet) would be lost by hijack: carry them over.
    const inherited = Object.fromEntries(
      Object.entries(reply.getHeaders()).filter(([, value]) => value !== undefined),
    ) as Record<string, string | number | string[]>;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...inherited,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const controller = new AbortController();
    let finished = false;
    const onClose = () => {
      if (!finished) controller.abort(new Error('client closed the stream'));
    };
    res.on('close', onClose);
    // A comment line now and then keeps proxies from timing out a slow first token.
    const heartbeat = setInterval(() => {
      if (!res.destroyed && !res.writableEnded) res.write(': ping\n\n');
    }, 15_000);
    heartbeat.unref();

    let text = '';
    let usage = { inputTokens: 0, outputTokens: 0 };
    let reported = false;
    let failure: unknown;
    try {
      for await (const chunk of llm.stream({
        model,
        ...(options.system === undefined ? {} : { system: options.system }),
        messages: history,
        signal: controller.signal,
      })) {
        if (chunk.type === 'delta') {
          text += chunk.text;
          sse(reply, 'delta', { text: chunk.text });
        } else {
          usage = { inputTokens: chunk.inputTokens, outputTokens: chunk.outputTokens };
          reported = true;
        }
        if (controller.signal.aborted) break;
      }
    } catch (error) {
      if (!controller.signal.aborted) failure = error;
    }
    finished = true;
    clearInterval(heartbeat);
    res.off('close', onClose);
    const cancelled = controller.signal.aborted;
    if (!reported) {
      usage = {
        inputTokens: estimateTokens(history.map((m) => m.content).join(' ')),
        outputTokens: estimateTokens(text),
      };
    } else if (cancelled || failure !== undefined) {
      usage = {
        inputTokens: usage.inputTokens,
        outputTokens: Math.max(usage.outputTokens, estimateTokens(text)),
      };
    }
    const chatUsage: ChatUsage = { model, ...usage };
    const metadata: Record<string, unknown> = { usage: chatUsage };
    if (cancelled) metadata.cancelled = true;
    if (failure !== undefined) metadata.error = 'provider_unavailable';

    // The id is chosen here so usage is recorded even if storing the reply fails.
    const messageId = randomUUID();
    const recorded = hooks
      .recordUsage({
        userId: claims.sub,
        model,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        conversationId: id,
        messageId,
        cancelled,
      })
      .catch((error: unknown) => request.log.error({ err: error }, 'recording chat usage failed'));
    try {
      const message = await db.withUser(claims, async (tx) => {
        const { rows } = await tx.query<Message>(
          `insert into public.messages (id, conversation_id, role, content, metadata)
           values ($1, $2, 'assistant', $3, $4) returning ${MESSAGE_COLUMNS}`,
          [messageId, id, text, JSON.stringify(metadata)],
        );
        await tx.query('update public.conversations set updated_at = now() where id = $1', [id]);
        return rows[0] as Message;
      });
      if (failure !== undefined) {
        request.log.warn({ err: failure }, 'chat reply failed');
        const error = new AtlasError('provider_unavailable');
        sse(reply, 'error', { code: error.code, message: error.message });
      } else if (!cancelled) {
        sse(reply, 'done', { message, usage: chatUsage });
      }
    } catch (error) {
      request.log.error({ err: error }, 'storing the assistant reply failed');
      const atlas = new AtlasError('internal');
      sse(reply, 'error', { code: atlas.code, message: atlas.message });
    } finally {
      await recorded;
      if (!res.writableEnded) res.end();
    }
  });

  app.get('/v1/sync', { preHandler }, async (request) => {
    const query = syncQuerySchema.parse(request.query);
    const after =
      query.since === undefined
        ? ['0001-01-01T00:00:00.000000Z', '', '00000000-0000-0000-0000-000000000000']
        : decodeCursor(query.since, 3);
    if (!['', 'conversation', 'message'].includes(after[1] ?? '')) {
      throw new AtlasError('validation_failed', 'The cursor is invalid.');
    }
    const rows = await db.withUser(request.user, async (tx) => {
      const result = await tx.query<{ kind: string; id: string; position: string; row: unknown }>(
        `select kind, id, ${ts('updated_at')} as position, row from (
           select 'conversation'::text as kind, id, updated_at,
             jsonb_build_object('id', id, 'title', title, 'createdAt', ${ts('created_at')},
               'updatedAt', ${ts('updated_at')}, 'deletedAt', ${ts('deleted_at')}) as row
           from public.conversations
           union all
           select 'message'::text, id, updated_at,
             jsonb_build_object('id', id, 'conversationId', conversation_id, 'role', role,
               'content', content, 'type', type, 'metadata', metadata,
               'createdAt', ${ts('created_at')}, 'updatedAt', ${ts('updated_at')},
               'deletedAt', ${ts('deleted_at')})
           from public.messages
         ) changes
         where (updated_at, kind, id) > ($1::timestamptz, $2::text, $3::uuid)
         order by updated_at, kind, id
         limit $4`,
        [after[0], after[1], after[2], query.limit + 1],
      );
      return result.rows;
    });
    const hasMore = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const parse = (row: unknown) => (typeof row === 'string' ? JSON.parse(row) : row);
    return {
      conversations: page
        .filter((r) => r.kind === 'conversation')
        .map((r) => parse(r.row) as Conversation),
      messages: page.filter((r) => r.kind === 'message').map((r) => parse(r.row) as Message),
      nextCursor: last ? encodeCursor([last.position, last.kind, last.id]) : (query.since ?? null),
      hasMore,
    };
  });
}
