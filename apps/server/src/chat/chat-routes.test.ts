/**
 * @module chat/chat-routes.test
 * The chat API on PGlite and real PostgreSQL: CRUD, paging, RLS, hostile input, SSE streaming
 * and cancellation against the fake LLM, and a fast-check property that sync converges.
 */
import type { AddressInfo } from 'node:net';
import { type Conversation, type Message, MODEL_MAP, type SyncResponse } from '@atlas/protocol';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../auth/token-verifier.js';
import type { Database } from '../db/database.js';
import { createTestUser, databaseTargets, type TestUser } from '../db/testing/test-databases.js';
import { errorHandler } from '../http/error-handler.js';
import type { LlmProvider } from '../providers/llm/llm.js';
import { FakeLlmProvider } from '../providers/llm/testing/fake-llm.js';
import { type ChatHooks, type ChatUsageEvent, chatRoutes } from './chat-routes.js';

const SECRET = 'chat-routes-test-secret-that-is-long-enough-0123456789';

function sign(userId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setAudience('authenticated')
    .setIssuedAt(now - 10)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(SECRET));
}

class RecordingHooks implements ChatHooks {
  readonly usage: ChatUsageEvent[] = [];
  refuse: Error | undefined;
  async beforeSend(): Promise<void> {
    if (this.refuse) throw this.refuse;
  }
  async recordUsage(event: ChatUsageEvent): Promise<void> {
    this.usage.push(event);
  }
}

async function buildApp(
  db: Database,
  llm: LlmProvider,
  hooks: ChatHooks,
): Promise<FastifyInstance> {
  const app = Fastify({ forceCloseConnections: true });
  app.setErrorHandler(errorHandler);
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('x-from-hook', 'kept');
  });
  await app.register(chatRoutes, {
    db,
    verifier: createTokenVerifier({ hsSecret: SECRET }),
    llm,
    hooks,
  });
  await app.ready();
  return app;
}

interface SseEvent {
  event: string;
  data: unknown;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? 'null';
      return { event, data: JSON.parse(data) };
    });
}

describe.each(databaseTargets())('chat routes on $name', (target) => {
  let db: Database;
  let llm: FakeLlmProvider;
  let hooks: RecordingHooks;
  let app: FastifyInstance;
  let baseUrl: string;

  beforeAll(async () => {
    db = await target.open();
    llm = new FakeLlmProvider();
    hooks = new RecordingHooks();
    app = await buildApp(db, llm, hooks);
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  async function user(): Promise<TestUser & { auth: { authorization: string } }> {
    const u = await createTestUser(db);
    return { ...u, auth: { authorization: `Bearer ${await sign(u.id)}` } };
  }

  async function create(u: { auth: { authorization: string } }, title?: string) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: u.auth,
      payload: title === undefined ? {} : { title },
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ conversation: Conversation }>().conversation;
  }

  async function countMessages(u: TestUser): Promise<number> {
    const { rows } = await db.withUser(u.claims, (tx) =>
      tx.query<{ n: number }>('select count(*)::int as n from public.messages'),
    );
    return rows[0]?.n ?? -1;
  }

  it('requires a bearer token', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/conversations' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('unauthorized');
  });

  it('creates, renames, lists and soft-deletes conversations', async () => {
    const alice = await user();
    const a = await create(alice, 'First');
    const b = await create(alice);
    expect(b.title).toBeNull();
    expect(a.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);

    const renamed = await app.inject({
      method: 'PATCH',
      url: `/v1/conversations/${b.id}`,
      headers: alice.auth,
      payload: { title: 'Second' },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().conversation.title).toBe('Second');

    const list = await app.inject({ method: 'GET', url: '/v1/conversations', headers: alice.auth });
    expect(list.json().conversations.map((c: Conversation) => c.id)).toEqual([b.id, a.id]);
    expect(list.json().nextCursor).toBeNull();

    const del = await app.inject({
      method: 'DELETE',
      url: `/v1/conversations/${a.id}`,
      headers: alice.auth,
    });
    expect(del.statusCode).toBe(204);
    const after = await app.inject({
      method: 'GET',
      url: '/v1/conversations',
      headers: alice.auth,
    });
    expect(after.json().conversations.map((c: Conversation) => c.id)).toEqual([b.id]);
    const again = await app.inject({
      method: 'DELETE',
      url: `/v1/conversations/${a.id}`,
      headers: alice.auth,
    });
    expect(again.statusCode).toBe(404);
    // The tombstone stays for sync.
    const { rows } = await db.withUser(alice.claims, (tx) =>
      tx.query<{ deleted: boolean }>(
        'select deleted_at is not null as deleted from public.conversations where id = $1',
        [a.id],
      ),
    );
    expect(rows[0]?.deleted).toBe(true);
  });

  it('pages conversations with a cursor: every row once, none missed', async () => {
    const u = await user();
    const ids = new Set<string>();
    for (let i = 0; i < 12; i++) ids.add((await create(u, `c${i}`)).id);
    // Same updated_at for several rows: the id tie-breaker must keep pages exact.
    await db.withUser(u.claims, (tx) =>
      tx.query(
        `update public.conversations set title = title || '!' where title in ('c1','c2','c3','c4')`,
      ),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const res = await app.inject({
        method: 'GET',
        url: `/v1/conversations?limit=5${query}`,
        headers: u.auth,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json<{ conversations: Conversation[]; nextCursor: string | null }>();
      seen.push(...body.conversations.map((c) => c.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen.length).toBe(12);
    expect(new Set(seen)).toEqual(ids);
  });

  it("answers 404 for another user's conversation (RLS)", async () => {
    const alice = await user();
    const bob = await user();
    const conv = await create(alice, 'Private');
    for (const [method, url, payload] of [
      ['PATCH', `/v1/conversations/${conv.id}`, { title: 'mine now' }],
      ['DELETE', `/v1/conversations/${conv.id}`, undefined],
      ['GET', `/v1/conversations/${conv.id}/messages`, undefined],
      ['POST', `/v1/conversations/${conv.id}/messages`, { content: 'hi' }],
    ] as const) {
      const res = await app.inject({ method, url, headers: bob.auth, payload });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    const list = await app.inject({ method: 'GET', url: '/v1/conversations', headers: bob.auth });
    expect(list.json().conversations).toEqual([]);
    const sync = await app.inject({ method: 'GET', url: '/v1/sync', headers: bob.auth });
    expect(sync.json().conversations).toEqual([]);
    const stillMine = await app.inject({
      method: 'GET',
      url: '/v1/conversations',
      headers: alice.auth,
    });
    expect(stillMine.json().conversations[0].title).toBe('Private');
  });

  it('rejects hostile input', async () => {
    const u = await user();
    const conv = await create(u);
    const tooLong = await app.inject({
      method: 'POST',
      url: `/v1/conversations/${conv.id}/messages`,
      headers: u.auth,
      payload: { content: 'x'.repeat(10_001) },
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().code).toBe('validation_failed');
    expect(await countMessages(u)).toBe(0);

    const htmlTitle = `<script>alert(1)</script>${'<b>a</b>'.repeat(60)}`;
    const stripped = await app.inject({
      method: 'PATCH',
      url: `/v1/conversations/${conv.id}`,
      headers: u.auth,
      payload: { title: `${htmlTitle}\u0000\u0007` },
    });
    expect(stripped.statusCode).toBe(200);
    expect(stripped.json().conversation.title).toBe(`alert(1)${'a'.repeat(60)}`);

    const longTitle = await app.inject({
      method: 'PATCH',
      url: `/v1/conversations/${conv.id}`,
      headers: u.auth,
      payload: { title: `<p>${'y'.repeat(201)}</p>` },
    });
    expect(longTitle.statusCode).toBe(400);
    expect(longTitle.json().code).toBe('validation_failed');

    const onlyTags = await app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: u.auth,
      payload: { title: '<img src=x onerror=alert(1)>' },
    });
    expect(onlyTags.statusCode).toBe(400);

    const badJson = await app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: { ...u.auth, 'content-type': 'application/json' },
      payload: '{"title": ',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().code).toBe('bad_request');

    const badId = await app.inject({
      method: 'PATCH',
      url: "/v1/conversations/1' or '1'='1",
      headers: u.auth,
      payload: { title: 'x' },
    });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().code).toBe('validation_failed');

    const badCursor = await app.inject({
      method: 'GET',
      url: '/v1/conversations?cursor=bm9wZQ',
      headers: u.auth,
    });
    expect(badCursor.statusCode).toBe(400);
    const badLimit = await app.inject({ method: 'GET', url: '/v1/sync?limit=51', headers: u.auth });
    expect(badLimit.statusCode).toBe(400);
    const extra = await app.inject({
      method: 'POST',
      url: `/v1/conversations/${conv.id}/messages`,
      headers: u.auth,
      payload: { content: 'hi', role: 'system' },
    });
    expect(extra.statusCode).toBe(400);
    expect(await countMessages(u)).toBe(0);
  });

  it('refuses a send when beforeSend throws, storing nothing', async () => {
    const u = await user();
    const conv = await create(u);
    const { AtlasError } = await import('../errors.js');
    hooks.refuse = new AtlasError('limit_reached');
    try {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/conversations/${conv.id}/messages`,
        headers: u.auth,
        payload: { content: 'hello' },
      });
      expect(res.statusCode).toBe(402);
      expect(res.json().code).toBe('limit_reached');
    } finally {
      hooks.refuse = undefined;
    }
    expect(await countMessages(u)).toBe(0);
  });

  it('streams the reply as SSE and stores both messages with usage', async () => {
    const u = await user();
    const conv = await create(u);
    const res = await fetch(`${baseUrl}/v1/conversations/${conv.id}/messages`, {
      method: 'POST',
      headers: { ...u.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'hello there world' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-from-hook')).toBe('kept');
    const events = parseSse(await res.text());
    const deltas = events.filter((e) => e.event === 'delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((e) => (e.data as { text: string }).text).join('')).toBe(
      'You said: hello there world',
    );
    const done = events.at(-1);
    expect(done?.event).toBe('done');
    const { message, usage } = (done?.data ?? {}) as { message: Message; usage: { model: string } };
    expect(message.role).toBe('assistant');
    expect(message.content).toBe('You said: hello there world');
    expect(usage.model).toBe(MODEL_MAP.free.chat);
    expect(message.metadata.usage).toMatchObject({ outputTokens: expect.any(Number) });

    const list = await app.inject({
      method: 'GET',
      url: `/v1/conversations/${conv.id}/messages`,
      headers: u.auth,
    });
    const messages = list.json<{ messages: Message[] }>().messages;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(hooks.usage.filter((e) => e.conversationId === conv.id)).toEqual([
      expect.objectContaining({ userId: u.id, messageId: message.id, cancelled: false }),
    ]);

    // History is context for the next turn.
    await (
      await fetch(`${baseUrl}/v1/conversations/${conv.id}/messages`, {
        method: 'POST',
        headers: { ...u.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'again' }),
      })
    ).text();
    expect(llm.calls.at(-1)?.request.messages.map((m) => m.content)).toEqual([
      'hello there world',
      'You said: hello there world',
      'again',
    ]);
  });

  it('pages messages oldest first', async () => {
    const u = await user();
    const conv = await create(u);
    await db.withUser(u.claims, async (tx) => {
      for (let i = 0; i < 7; i++) {
        await tx.query(
          `insert into public.messages (conversation_id, role, content) values ($1, 'user', $2)`,
          [conv.id, `m${i}`],
        );
      }
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const suffix: string = cursor ? `&cursor=${cursor}` : '';
      const res = await app.inject({
        method: 'GET',
        url: `/v1/conversations/${conv.id}/messages?limit=3${suffix}`,
        headers: u.auth,
      });
      const body: { messages: Message[]; nextCursor: string | null } = res.json();
      seen.push(...body.messages.map((m) => m.content));
      cursor = body.nextCursor;
    } while (cursor !== null);
    // One transaction = one now(): order falls back on ids, but every row appears once.
    expect([...seen].sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(new Set(seen).size).toBe(7);
  });

  it('stores the partial reply as cancelled when the client closes the stream', async () => {
    const slow = new FakeLlmProvider({
      reply: () => 'one two three four five six seven eight nine ten eleven twelve',
      wordsPerSecond: 20,
    });
    const slowHooks = new RecordingHooks();
    const slowApp = await buildApp(db, slow, slowHooks);
    await slowApp.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(slowApp.server.address() as AddressInfo).port}`;
      const u = await user();
      const conv = await create(u);
      const controller = new AbortController();
      const res = await fetch(`${url}/v1/conversations/${conv.id}/messages`, {
        method: 'POST',
        headers: { ...u.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'count' }),
        signal: controller.signal,
      });
      const reader = res.body?.getReader();
      const first = await reader?.read();
      expect(new TextDecoder().decode(first?.value)).toContain('event: delta');
      controller.abort();
      await expect.poll(() => slowHooks.usage.length, { timeout: 5000 }).toBe(1);
      expect(slowHooks.usage[0]?.cancelled).toBe(true);
      expect(slow.calls[0]?.aborted).toBe(true);
      const { rows } = await db.withUser(u.claims, (tx) =>
        tx.query<{ content: string; metadata: Record<string, unknown> }>(
          `select content, metadata from public.messages where role = 'assistant'`,
        ),
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]?.metadata.cancelled).toBe(true);
      const content = rows[0]?.content ?? '';
      expect(content.length).toBeGreaterThan(0);
      expect(
        'one two three four five six seven eight nine ten eleven twelve'.startsWith(content),
      ).toBe(true);
      expect(content.length).toBeLessThan(50);
    } finally {
      await slowApp.close();
    }
  });

  it('sends an SSE error on LLM failure and stores the partial reply', async () => {
    const failing = new FakeLlmProvider();
    failing.failNext();
    const failHooks = new RecordingHooks();
    const failApp = await buildApp(db, failing, failHooks);
    await failApp.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(failApp.server.address() as AddressInfo).port}`;
      const u = await user();
      const conv = await create(u);
      const res = await fetch(`${url}/v1/conversations/${conv.id}/messages`, {
        method: 'POST',
        headers: { ...u.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'hi' }),
      });
      const events = parseSse(await res.text());
      expect(events.at(-1)).toMatchObject({
        event: 'error',
        data: { code: 'provider_unavailable' },
      });
      expect(failHooks.usage).toHaveLength(1);
      const { rows } = await db.withUser(u.claims, (tx) =>
        tx.query<{ metadata: Record<string, unknown> }>(
          `select metadata from public.messages where role = 'assistant'`,
        ),
      );
      expect(rows[0]?.metadata.error).toBe('provider_unavailable');
    } finally {
      await failApp.close();
    }
  });

  it('sync: replaying pages converges to the server state (property)', async () => {
    type Op =
      | { kind: 'create' }
      | { kind: 'rename'; pick: number; title: string }
      | { kind: 'delete'; pick: number }
      | { kind: 'message'; pick: number }
      | { kind: 'sync' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant<Op>({ kind: 'create' }),
      fc.record({
        kind: fc.constant('rename' as const),
        pick: fc.nat(),
        title: fc.string({ minLength: 1, maxLength: 20 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('message' as const), pick: fc.nat() }),
      fc.constant<Op>({ kind: 'sync' }),
    );

    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 4 }),
        async (ops, limit) => {
          const u = await user();
          const client = {
            conversations: new Map<string, Conversation>(),
            messages: new Map<string, Message>(),
          };
          let cursor: string | null = null;
          const ids: string[] = [];

          const pull = async (untilDone: boolean) => {
            for (let guard = 0; guard < 200; guard++) {
              const res = await app.inject({
                method: 'GET',
                url: `/v1/sync?limit=${limit}${cursor ? `&since=${cursor}` : ''}`,
                headers: u.auth,
              });
              expect(res.statusCode).toBe(200);
              const body = res.json<SyncResponse>();
              expect(body.conversations.length + body.messages.length).toBeLessThanOrEqual(limit);
              for (const c of body.conversations) client.conversations.set(c.id, c);
              for (const m of body.messages) client.messages.set(m.id, m);
              cursor = body.nextCursor;
              if (!body.hasMore || !untilDone) return;
            }
            throw new Error('sync did not finish');
          };

          for (const step of ops) {
            const id =
              ids.length === 0 ? undefined : ids[('pick' in step ? step.pick : 0) % ids.length];
            if (step.kind === 'create') ids.push((await create(u)).id);
            else if (step.kind === 'sync') await pull(false);
            else if (id !== undefined && step.kind === 'rename') {
              await app.inject({
                method: 'PATCH',
                url: `/v1/conversations/${id}`,
                headers: u.auth,
                payload: { title: step.title },
              });
            } else if (id !== undefined && step.kind === 'delete') {
              await app.inject({
                method: 'DELETE',
                url: `/v1/conversations/${id}`,
                headers: u.auth,
              });
            } else if (id !== undefined && step.kind === 'message') {
              await db.withUser(u.claims, (tx) =>
                tx.query(
                  `insert into public.messages (conversation_id, role, content)
                 select id, 'user', 'note' from public.conversations where id = $1 and deleted_at is null`,
                  [id],
                ),
              );
            }
          }
          await pull(true);

          const server = await db.withUser(u.claims, async (tx) => {
            const c = await tx.query<{
              id: string;
              title: string | null;
              deleted: boolean;
              updated: string;
            }>(
              `select id, title, deleted_at is not null as deleted,
               to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as updated
             from public.conversations order by id`,
            );
            const m = await tx.query<{ id: string; deleted: boolean }>(
              'select id, deleted_at is not null as deleted from public.messages order by id',
            );
            return { c: c.rows, m: m.rows };
          });
          const mirrored = [...client.conversations.values()]
            .map((c) => ({
              id: c.id,
              title: c.title,
              deleted: c.deletedAt !== null,
              updated: c.updatedAt,
            }))
            .sort((a, b) => (a.id < b.id ? -1 : 1));
          expect(mirrored).toEqual(server.c);
          const mirroredMessages = [...client.messages.values()]
            .map((m) => ({ id: m.id, deleted: m.deletedAt !== null }))
            .sort((a, b) => (a.id < b.id ? -1 : 1));
          expect(mirroredMessages).toEqual(server.m);
        },
      ),
      { numRuns: 25 },
    );
  });
});
