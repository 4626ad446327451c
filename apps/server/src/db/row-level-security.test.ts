import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, JwtClaims, Queryable, QueryResult } from './database.js';
import { createTestUser, databaseTargets, type TestUser } from './testing/test-databases.js';

/** Both ways user-scoped SQL reaches the database: the helper, and the raw PostgREST recipe. */
const PATHS = ['withUser', 'raw sql'] as const;
type Path = (typeof PATHS)[number];

function asUser<T>(db: Database, path: Path, claims: JwtClaims, fn: (tx: Queryable) => Promise<T>) {
  if (path === 'withUser') return db.withUser(claims, fn);
  return db.transaction(async (tx) => {
    await tx.query('set local role authenticated');
    await tx.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
    return fn(tx);
  });
}

function sqlState(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}

/** Denied outright (insufficient privilege / policy violation) or touched nothing. */
async function outcome(run: () => Promise<QueryResult<unknown>>): Promise<'denied' | number> {
  try {
    return (await run()).rowCount;
  } catch (error) {
    if (sqlState(error) === '42501') return 'denied';
    throw error;
  }
}

interface Owned {
  user: TestUser;
  conversationId: string;
  messageId: string;
  voiceSessionId: string;
  usageEventId: string;
}

async function seed(db: Database, user: TestUser): Promise<Owned> {
  return db.asService(async (tx) => {
    const id = async (sql: string, params: unknown[]) => {
      const { rows } = await tx.query<{ id: string }>(`${sql} returning id`, params);
      return rows[0]?.id ?? '';
    };
    const conversationId = await id('insert into conversations (user_id, title) values ($1, $2)', [
      user.id,
      `${user.email}'s chat`,
    ]);
    return {
      user,
      conversationId,
      messageId: await id(
        "insert into messages (conversation_id, user_id, role, content) values ($1, $2, 'user', 'hello')",
        [conversationId, user.id],
      ),
      voiceSessionId: await id(
        'insert into voice_sessions (user_id, conversation_id, cost_usd) values ($1, $2, 0.5)',
        [user.id, conversationId],
      ),
      usageEventId: await id(
        "insert into usage_events (user_id, feature, model, cost_usd) values ($1, 'chat', 'm', 0.01)",
        [user.id],
      ),
    };
  });
}

const TABLES = [
  {
    table: 'profiles',
    owner: 'id',
    key: (o: Owned) => o.user.id,
    change: "display_name = 'hacked'",
  },
  {
    table: 'conversations',
    owner: 'user_id',
    key: (o: Owned) => o.conversationId,
    change: "title = 'hacked'",
  },
  {
    table: 'messages',
    owner: 'user_id',
    key: (o: Owned) => o.messageId,
    change: "content = 'hacked'",
  },
  {
    table: 'voice_sessions',
    owner: 'user_id',
    key: (o: Owned) => o.voiceSessionId,
    change: "end_reason = 'hacked'",
  },
  {
    table: 'usage_events',
    owner: 'user_id',
    key: (o: Owned) => o.usageEventId,
    change: "model = 'hacked'",
  },
] as const;

/** The row as the owner sees it, to prove an attempt changed nothing. */
async function rowAsOwner(db: Database, table: string, id: string): Promise<unknown> {
  const { rows } = await db.query(
    `select to_jsonb(t) as row from public.${table} t where id = $1`,
    [id],
  );
  return rows[0]?.row;
}

describe.each(databaseTargets())('row-level security on $name', (target) => {
  let db: Database;
  let alice: Owned;
  let bob: Owned;

  beforeAll(async () => {
    db = await target.open();
    alice = await seed(db, await createTestUser(db, { displayName: 'Alice' }));
    bob = await seed(db, await createTestUser(db, { displayName: 'Bob' }));
  });
  afterAll(async () => {
    await db?.close();
  });

  describe.each(PATHS)('through %s', (path) => {
    it.each(TABLES)('a user reads only their own $table', async ({ table, owner, key }) => {
      const { rows } = await asUser(db, path, alice.user.claims, (tx) =>
        tx.query<{ id: string; owner: string }>(
          `select id, ${owner} as owner from public.${table}`,
        ),
      );
      expect(rows.map((row) => row.id)).toContain(key(alice));
      expect(new Set(rows.map((row) => row.owner))).toEqual(new Set([alice.user.id]));
      const targeted = await asUser(db, path, alice.user.claims, (tx) =>
        tx.query(`select id from public.${table} where id = $1`, [key(bob)]),
      );
      expect(targeted.rows).toEqual([]);
    });

    it.each(TABLES)("a user cannot update another user's $table row", async (spec) => {
      const before = await rowAsOwner(db, spec.table, spec.key(bob));
      expect(before).toBeDefined();
      const result = await outcome(() =>
        asUser(db, path, alice.user.claims, (tx) =>
          tx.query(`update public.${spec.table} set ${spec.change} where id = $1`, [spec.key(bob)]),
        ),
      );
      expect(['denied', 0]).toContain(result);
      expect(await rowAsOwner(db, spec.table, spec.key(bob))).toEqual(before);
    });

    it.each(TABLES)("a user cannot delete another user's $table row", async ({ table, key }) => {
      const result = await outcome(() =>
        asUser(db, path, alice.user.claims, (tx) =>
          tx.query(`delete from public.${table} where id = $1`, [key(bob)]),
        ),
      );
      expect(['denied', 0]).toContain(result);
      expect(await rowAsOwner(db, table, key(bob))).toBeDefined();
    });

    it("cannot insert a message into another user's conversation, under either user id", async () => {
      for (const userId of [alice.user.id, bob.user.id]) {
        const result = await outcome(() =>
          asUser(db, path, alice.user.claims, (tx) =>
            tx.query(
              "insert into public.messages (conversation_id, user_id, role, content) values ($1, $2, 'user', 'x')",
              [bob.conversationId, userId],
            ),
          ),
        );
        expect(result).toBe('denied');
      }
      const { rows } = await db.query('select id from public.messages where conversation_id = $1', [
        bob.conversationId,
      ]);
      expect(rows).toHaveLength(1);
    });

    it("cannot move their own message into another user's conversation", async () => {
      const result = await outcome(() =>
        asUser(db, path, alice.user.claims, (tx) =>
          tx.query('update public.messages set conversation_id = $1 where id = $2', [
            bob.conversationId,
            alice.messageId,
          ]),
        ),
      );
      expect(result).toBe('denied');
      const row = (await rowAsOwner(db, 'messages', alice.messageId)) as {
        conversation_id: string;
      };
      expect(row.conversation_id).toBe(alice.conversationId);
    });

    it('writes to their own conversations, messages and profile', async () => {
      const written = await asUser(db, path, alice.user.claims, async (tx) => {
        const conversation = await tx.query<{ id: string; user_id: string }>(
          "insert into public.conversations (title) values ('new') returning id, user_id",
        );
        const conversationId = conversation.rows[0]?.id;
        await tx.query(
          "insert into public.messages (conversation_id, role, content) values ($1, 'user', 'hi')",
          [conversationId],
        );
        const profile = await tx.query(
          "update public.profiles set display_name = 'Al' where id = $1",
          [alice.user.id],
        );
        return { owner: conversation.rows[0]?.user_id, conversationId, profiles: profile.rowCount };
      });
      // user_id defaults to auth.uid(), so a client need not (and cannot usefully) send it.
      expect(written.owner).toBe(alice.user.id);
      expect(written.profiles).toBe(1);
      const { rows } = await db.query(
        'select user_id from public.messages where conversation_id = $1',
        [written.conversationId],
      );
      expect(rows).toEqual([{ user_id: alice.user.id }]);
    });

    it('cannot raise their own tier', async () => {
      const result = await outcome(() =>
        asUser(db, path, alice.user.claims, (tx) =>
          tx.query("update public.profiles set tier = 'studio' where id = $1", [alice.user.id]),
        ),
      );
      expect(['denied', 0]).toContain(result);
      const { rows } = await db.query('select tier from public.profiles where id = $1', [
        alice.user.id,
      ]);
      expect(rows).toEqual([{ tier: 'free' }]);
    });

    it.each(['usage_events', 'voice_sessions'])('cannot insert into %s', async (table) => {
      const columns =
        table === 'usage_events'
          ? "(user_id, feature) values ($1, 'chat')"
          : '(user_id) values ($1)';
      const result = await outcome(() =>
        asUser(db, path, alice.user.claims, (tx) =>
          tx.query(`insert into public.${table} ${columns}`, [alice.user.id]),
        ),
      );
      expect(result).toBe('denied');
    });
  });

  it('keeps the tier out of reach even if update on the whole table were granted', async () => {
    // The trigger is the second fence: grant the column by mistake, inside a rolled-back transaction.
    const attempt = db.transaction(async (tx) => {
      await tx.query('grant update on public.profiles to authenticated');
      await tx.query('set local role authenticated');
      await tx.query("select set_config('request.jwt.claims', $1, true)", [
        JSON.stringify(alice.user.claims),
      ]);
      await tx.query("update public.profiles set tier = 'studio' where id = $1", [alice.user.id]);
    });
    await expect(attempt).rejects.toMatchObject({ code: '42501' });
    const { rows } = await db.query('select tier from public.profiles where id = $1', [
      alice.user.id,
    ]);
    expect(rows).toEqual([{ tier: 'free' }]);
  });

  it('lets the service role write usage and voice sessions, change tiers and read every row', async () => {
    const counts = await db.asService(async (tx) => {
      await tx.query(
        "insert into public.usage_events (user_id, feature, tokens_input) values ($1, 'voice_llm', 10)",
        [bob.user.id],
      );
      await tx.query('insert into public.voice_sessions (user_id, stt_seconds) values ($1, 1.5)', [
        bob.user.id,
      ]);
      const tier = await tx.query("update public.profiles set tier = 'core' where id = $1", [
        bob.user.id,
      ]);
      const users = await tx.query<{ n: number }>(
        'select count(distinct user_id)::int as n from public.conversations',
      );
      return { tier: tier.rowCount, users: users.rows[0]?.n };
    });
    expect(counts).toEqual({ tier: 1, users: 2 });
    const { rows } = await db.query<{ tier: string; usage: number }>(
      `select p.tier, (select count(*)::int from public.usage_events u where u.user_id = p.id) as usage
       from public.profiles p where p.id = $1`,
      [bob.user.id],
    );
    expect(rows).toEqual([{ tier: 'core', usage: 2 }]);
  });

  it.each(TABLES)('shows anon nothing in $table', async ({ table }) => {
    const result = await db
      .transaction(async (tx) => {
        await tx.query('set local role anon');
        return (await tx.query(`select * from public.${table}`)).rows.length;
      })
      .catch((error: unknown) => (sqlState(error) === '42501' ? 'denied' : Promise.reject(error)));
    expect(['denied', 0]).toContain(result);
  });
});
