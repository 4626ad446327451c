import { describe, expect, it } from 'vitest';
import { RecordQueue } from './record-queue.js';
import type { VoiceRecord } from './records.js';

const record: VoiceRecord = { kind: 'conversation', id: 'c', userId: 'u' };

describe('RecordQueue', () => {
  it('is a FIFO that drops "everything up to seq N" from the front', () => {
    const queue = new RecordQueue();
    for (let seq = 1; seq <= 5; seq++) queue.push({ seq, record, bytes: 10 });
    expect(queue.length).toBe(5);
    expect(queue.bytes).toBe(50);
    expect(queue.peek(2).map((entry) => entry.seq)).toEqual([1, 2]);

    expect(queue.dropThrough(3)).toBe(3);
    expect(queue.dropThrough(2)).toBe(0); // already gone: a spill and a write may both drop
    expect(queue.headSeq).toBe(4);
    expect(queue.bytes).toBe(20);

    expect(queue.dropThrough(99)).toBe(2);
    expect(queue.length).toBe(0);
    expect(queue.headSeq).toBe(Number.POSITIVE_INFINITY);
  });

  it('stays correct across compaction', () => {
    const queue = new RecordQueue();
    let seq = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 1500; i++) queue.push({ seq: ++seq, record, bytes: 1 });
      queue.dropThrough(seq - 100);
      expect(queue.length).toBe(100);
      expect(queue.headSeq).toBe(seq - 99);
      expect(queue.peek(1)[0]?.seq).toBe(seq - 99);
    }
  });
});
