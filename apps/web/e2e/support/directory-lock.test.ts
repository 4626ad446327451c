import { mkdir, mkdtemp, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDirectoryLock } from './directory-lock.js';

describe('withDirectoryLock', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'directory-lock-test-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lets one holder in at a time', async () => {
    const lock = path.join(dir, 'serial.lock');
    const events: string[] = [];
    const holder = (name: string) =>
      withDirectoryLock(
        lock,
        async () => {
          events.push(`${name} in`);
          await new Promise((resolve) => setTimeout(resolve, 30));
          events.push(`${name} out`);
        },
        { pollMs: 5 },
      );
    await Promise.all([holder('a'), holder('b')]);
    // Whoever got in first left before the other came in.
    const [first, second] = events[0]?.startsWith('a') ? ['a', 'b'] : ['b', 'a'];
    expect(events).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
  });

  it('releases the lock when the work fails', async () => {
    const lock = path.join(dir, 'failing.lock');
    await expect(withDirectoryLock(lock, () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    await expect(withDirectoryLock(lock, async () => 'again')).resolves.toBe('again');
  });

  it('takes over a lock its holder abandoned', async () => {
    const lock = path.join(dir, 'stale.lock');
    await mkdir(lock);
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(lock, longAgo, longAgo);
    await expect(withDirectoryLock(lock, async () => 'mine', { staleMs: 1_000 })).resolves.toBe(
      'mine',
    );
  });

  it('gives up after the timeout, naming the lock', async () => {
    const lock = path.join(dir, 'held.lock');
    await mkdir(lock);
    await expect(
      withDirectoryLock(lock, async () => 'never', { timeoutMs: 50, pollMs: 10 }),
    ).rejects.toThrow(/held\.lock/);
  });
});
