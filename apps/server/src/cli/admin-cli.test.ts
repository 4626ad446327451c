import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { createTestUser, databaseTargets } from '../db/testing/test-databases.js';
import { runAdminCli, setTier } from './admin-cli.js';
import { captureIo, keepOpen } from './testing/cli-helpers.js';

const noDatabase = () => Promise.reject(new Error('this command must not open the database'));

describe('admin cli: arguments', () => {
  it.each([
    [[], /no command given/],
    [['promote', 'a@b.c'], /unknown command "promote"/],
    [['set-tier', 'a@b.c'], /set-tier takes an email and a tier/],
    [['set-tier', 'a@b.c', 'gold'], /unknown tier "gold"; expected one of free, core, studio/],
  ])('rejects %j before touching the database', async (argv, message) => {
    const io = captureIo();
    expect(await runAdminCli(argv, { io, connect: noDatabase })).toBe(1);
    expect(io.stderr[0]).toMatch(message);
    expect(io.stderr.join('\n')).toContain('Usage: npm run admin');
  });

  it('prints help', async () => {
    const io = captureIo();
    expect(await runAdminCli(['--help'], { io, connect: noDatabase })).toBe(0);
    expect(io.stdout.join('\n')).toContain('set-tier <email> <free|core|studio>');
  });
});

describe.each(databaseTargets())('admin cli against $name', (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  const tierOf = async (id: string) =>
    (await db.query<{ tier: string }>('select tier from public.profiles where id = $1', [id]))
      .rows[0]?.tier;

  it('set-tier changes the tier and prints old → new, matching the email case-insensitively', async () => {
    const user = await createTestUser(db, { email: 'Tiered@Example.test' });
    const io = captureIo();
    const code = await runAdminCli(['set-tier', 'tiered@example.TEST', 'studio'], {
      io,
      connect: async () => keepOpen(db),
    });
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(io.stdout).toEqual(['tiered@example.TEST: free → studio']);
    expect(await tierOf(user.id)).toBe('studio');

    const change = await setTier(db, user.email, 'core');
    expect(change).toEqual({ userId: user.id, previous: 'studio', current: 'core' });
    expect(await tierOf(user.id)).toBe('core');
  });

  it('set-tier reports an unknown email clearly and changes nothing', async () => {
    const io = captureIo();
    const code = await runAdminCli(['set-tier', 'ghost@example.test', 'core'], {
      io,
      connect: async () => keepOpen(db),
    });
    expect(code).toBe(1);
    expect(io.stderr).toEqual(['error: no user with email ghost@example.test']);
  });

  it('set-tier creates the profile of a user who predates the profile trigger', async () => {
    const user = await createTestUser(db);
    await db.query('delete from public.profiles where id = $1', [user.id]);
    expect(await setTier(db, user.email, 'core')).toMatchObject({
      previous: 'free',
      current: 'core',
    });
    expect(await tierOf(user.id)).toBe('core');
  });
});
