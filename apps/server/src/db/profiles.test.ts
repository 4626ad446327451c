import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { createTestUser, databaseTargets } from './testing/test-databases.js';

describe.each(databaseTargets())('profiles and triggers on $name', (target) => {
  let db: Database;

  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  const profileOf = async (id: string) =>
    (await db.query('select email, display_name, tier from public.profiles where id = $1', [id]))
      .rows;

  it('gives a new auth user a free profile, ignoring a tier smuggled into their metadata', async () => {
    const { rows } = await db.query<{ id: string }>(
      'insert into auth.users (email, raw_user_meta_data) values ($1, $2) returning id',
      ['new@example.test', JSON.stringify({ full_name: 'New Person', tier: 'studio' })],
    );
    const id = rows[0]?.id ?? '';
    expect(await profileOf(id)).toEqual([
      { email: 'new@example.test', display_name: 'New Person', tier: 'free' },
    ]);
  });

  it('lets the user read their profile through withUser', async () => {
    const user = await createTestUser(db, { displayName: 'Reader' });
    const { rows } = await db.withUser(user.claims, (tx) =>
      tx.query('select display_name, tier from public.profiles'),
    );
    expect(rows).toEqual([{ display_name: 'Reader', tier: 'free' }]);
  });

  it('follows an email change on the auth user', async () => {
    const user = await createTestUser(db);
    await db.query('update auth.users set email = $1 where id = $2', [
      'changed@example.test',
      user.id,
    ]);
    expect((await profileOf(user.id))[0]).toMatchObject({ email: 'changed@example.test' });
  });

  it("removes a deleted auth user's profile, conversations, messages and usage", async () => {
    const user = await createTestUser(db);
    await db.asService(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        'insert into public.conversations (user_id) values ($1) returning id',
        [user.id],
      );
      await tx.query(
        "insert into public.messages (conversation_id, user_id, role) values ($1, $2, 'user')",
        [rows[0]?.id, user.id],
      );
      await tx.query("insert into public.usage_events (user_id, feature) values ($1, 'chat')", [
        user.id,
      ]);
    });
    await db.query('delete from auth.users where id = $1', [user.id]);
    const { rows } = await db.query<{ n: number }>(
      `select (select count(*) from public.profiles where id = $1)
            + (select count(*) from public.conversations where user_id = $1)
            + (select count(*) from public.messages where user_id = $1)
            + (select count(*) from public.usage_events where user_id = $1) as n`,
      [user.id],
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('stamps updated_at with the server clock on every update', async () => {
    const user = await createTestUser(db);
    const { rows } = await db.withUser(user.claims, (tx) =>
      tx.query<{ id: string }>(
        "insert into public.conversations (title, updated_at) values ('t', '2000-01-01') returning id",
      ),
    );
    const id = rows[0]?.id;
    await db.withUser(user.claims, (tx) =>
      tx.query(
        "update public.conversations set title = 'renamed', updated_at = '2000-01-01' where id = $1",
        [id],
      ),
    );
    const after = await db.query<{ recent: boolean }>(
      "select updated_at > '2020-01-01' as recent from public.conversations where id = $1",
      [id],
    );
    expect(after.rows).toEqual([{ recent: true }]);
  });

  it('rejects values the schema forbids', async () => {
    const user = await createTestUser(db);
    const attempts = [
      [
        'insert into public.conversations (user_id, title) values ($1, repeat($2, 201))',
        [user.id, 'x'],
      ],
      ["insert into public.usage_events (user_id, feature) values ($1, 'teleport')", [user.id]],
      ["update public.profiles set tier = 'platinum' where id = $1", [user.id]],
      [
        "insert into public.usage_events (user_id, feature, cost_usd) values ($1, 'chat', -1)",
        [user.id],
      ],
    ] as const;
    for (const [sql, params] of attempts) {
      await expect(
        db.asService((tx) => tx.query(sql, params)),
        sql,
      ).rejects.toMatchObject({
        code: '23514', // check_violation
      });
    }
  });
});
