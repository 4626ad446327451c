import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordSpool } from './record-spool.js';
import type { VoiceRecord } from './records.js';

const conversation = (n: number, title = ''): VoiceRecord => ({
  kind: 'conversation',
  id: `c${n}`,
  userId: 'u',
  title,
});

describe('RecordSpool', () => {
  let directory: string;

  beforeEach(async () => {
    directory = path.join(await mkdtemp(path.join(tmpdir(), 'atlas-spool-')), 'spool');
  });
  afterEach(async () => {
    await rm(path.dirname(directory), { recursive: true, force: true });
  });

  it('reads back in order and in batches, and removes the file once all is acknowledged', async () => {
    const spool = new RecordSpool(directory);
    await spool.open();
    expect(spool.pending).toBe(0);
    await spool.append([conversation(1), conversation(2), conversation(3)]);
    await spool.append([conversation(4), conversation(5)]);
    expect(spool.pending).toBe(5);

    const first = await spool.read(2);
    expect(first.records.map((record) => record.id)).toEqual(['c1', 'c2']);
    await spool.acknowledge(first);
    expect(spool.pending).toBe(3);
    expect(existsSync(spool.path)).toBe(true);

    // Appends while draining land after what is left.
    await spool.append([conversation(6)]);
    const rest = await spool.read(10);
    expect(rest.records.map((record) => record.id)).toEqual(['c3', 'c4', 'c5', 'c6']);
    await spool.acknowledge(rest);
    expect(spool.pending).toBe(0);
    expect(existsSync(spool.path)).toBe(false);
  });

  it('handles lines longer than its read chunk', async () => {
    const spool = new RecordSpool(directory);
    const long = 'é'.repeat(300_000);
    await spool.append([conversation(1, long), conversation(2), conversation(3, long)]);
    const batch = await spool.read(10);
    expect(batch.records).toEqual([conversation(1, long), conversation(2), conversation(3, long)]);
    expect(batch.corrupt).toEqual([]);
  });

  it('counts what an earlier process left and closes off a torn last line', async () => {
    const earlier = new RecordSpool(directory);
    await earlier.append([conversation(1), conversation(2)]);
    await appendFile(earlier.path, '{"kind":"conv');

    const spool = new RecordSpool(directory);
    await spool.open();
    expect(spool.pending).toBe(3);
    await spool.append([conversation(3)]); // must not be glued onto the torn line
    const batch = await spool.read(10);
    expect(batch.records.map((record) => record.id)).toEqual(['c1', 'c2', 'c3']);
    expect(batch.corrupt).toEqual(['{"kind":"conv']);
    await spool.acknowledge(batch);
    expect(existsSync(spool.path)).toBe(false);
  });

  it('takes bytes without a final newline as one corrupt line instead of waiting forever', async () => {
    const spool = new RecordSpool(directory);
    await spool.open();
    await spool.append([conversation(1)]);
    await appendFile(spool.path, 'garbage'); // damage from outside, after open
    const batch = await spool.read(10);
    expect(batch.records).toHaveLength(1);
    expect(batch.corrupt).toEqual(['garbage']);
    await spool.acknowledge(batch);
    expect(existsSync(spool.path)).toBe(false);
  });

  it('returns records it cannot serialise instead of writing them', async () => {
    const spool = new RecordSpool(directory);
    const bad = { ...conversation(2), title: 10n } as unknown as VoiceRecord;
    const refused = await spool.append([conversation(1), bad]);
    expect(refused.map((entry) => entry.record)).toEqual([bad]);
    expect(spool.pending).toBe(1);

    await spool.deadLetter(refused);
    const letter = JSON.parse(await readFile(spool.deadLetterPath, 'utf8')) as {
      record: unknown;
      error: { message: string };
    };
    expect(letter.record).toEqual({ kind: 'conversation', id: 'c2' });
    expect(letter.error.message).toMatch(/BigInt/);
  });

  it('survives its file disappearing underneath it', async () => {
    const spool = new RecordSpool(directory);
    await spool.append([conversation(1)]);
    await rm(spool.path);
    const batch = await spool.read(10);
    expect(batch.records).toEqual([]);
    expect(spool.pending).toBe(0);
    await spool.append([conversation(2)]);
    expect((await spool.read(10)).records).toEqual([conversation(2)]);
  });
});
