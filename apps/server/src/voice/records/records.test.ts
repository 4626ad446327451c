import { describe, expect, it } from 'vitest';
import {
  END_REASON_MAX_CHARS,
  estimateRecordBytes,
  MonotonicClock,
  normalizeRecord,
  recordProblem,
  TITLE_MAX_CHARS,
  type VoiceRecord,
} from './records.js';

describe('MonotonicClock', () => {
  it('keeps timestamps strictly increasing within one millisecond, to the microsecond', () => {
    const clock = new MonotonicClock(() => Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    expect([clock.next(), clock.next(), clock.next()]).toEqual([
      '2026-01-02T03:04:05.678000Z',
      '2026-01-02T03:04:05.678001Z',
      '2026-01-02T03:04:05.678002Z',
    ]);
  });

  it('never goes back when the wall clock does', () => {
    let now = Date.UTC(2026, 0, 1, 0, 0, 1);
    const clock = new MonotonicClock(() => now);
    const first = clock.next();
    now -= 500;
    expect(clock.next() > first).toBe(true);
    now += 10_000;
    expect(clock.next()).toBe('2026-01-01T00:00:10.500000Z');
  });
});

describe('normalizeRecord', () => {
  const clock = () => new MonotonicClock(() => Date.UTC(2026, 0, 1));

  it('fills defaults and copies, so later changes by the caller do not leak in', () => {
    const metadata = { voice_call: true, confidence: 0.5 };
    const original: VoiceRecord = {
      kind: 'message',
      id: 'm1',
      conversationId: 'c1',
      userId: 'u1',
      role: 'user',
      content: 'hi',
      metadata,
    };
    const normalized = normalizeRecord(original, clock());
    metadata.confidence = 0.9;
    expect(normalized).toEqual({
      ...original,
      type: 'text',
      metadata: { voice_call: true, confidence: 0.5 },
      createdAt: '2026-01-01T00:00:00.000000Z',
    });
  });

  it('keeps a given time, as ISO text, and cuts text longer than its column', () => {
    const session = normalizeRecord(
      {
        kind: 'voice_session',
        id: 's1',
        userId: 'u1',
        startedAt: new Date(Date.UTC(2026, 0, 1)),
        endReason: 'r'.repeat(300),
      },
      clock(),
    );
    expect(session).toMatchObject({
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: null,
      conversationId: null,
      costUsd: 0,
      metrics: {},
    });
    expect(session.kind === 'voice_session' && session.endReason?.length).toBe(
      END_REASON_MAX_CHARS,
    );
    const conversation = normalizeRecord(
      { kind: 'conversation', id: 'c1', userId: 'u1', title: 't'.repeat(500) },
      clock(),
    );
    expect(conversation.kind === 'conversation' && conversation.title?.length).toBe(
      TITLE_MAX_CHARS,
    );
  });

  it('is stable: normalising a normalised record (a spool line) changes nothing', () => {
    const once = normalizeRecord(
      { kind: 'usage_event', id: 'e1', userId: 'u1', feature: 'voice_tts', costUsd: 0.1 },
      clock(),
    );
    expect(normalizeRecord(JSON.parse(JSON.stringify(once)), clock())).toEqual(once);
  });
});

describe('recordProblem', () => {
  it('accepts a writable record and names what is missing otherwise', () => {
    expect(
      recordProblem({ kind: 'conversation', id: 'c1', userId: 'u1' } satisfies VoiceRecord),
    ).toBeUndefined();
    expect(recordProblem(undefined)).toMatch(/not an object/);
    expect(recordProblem({ kind: 'chat', id: 'x', userId: 'u' })).toMatch(/unknown record kind/);
    expect(recordProblem({ kind: 'message', userId: 'u' })).toMatch(/no id/);
    expect(recordProblem({ kind: 'message', id: 'x' })).toMatch(/no userId/);
  });
});

describe('estimateRecordBytes', () => {
  it('grows with the free text', () => {
    const message = (content: string): VoiceRecord => ({
      kind: 'message',
      id: 'm',
      conversationId: 'c',
      userId: 'u',
      role: 'assistant',
      content,
    });
    expect(estimateRecordBytes(message('x'.repeat(1000)))).toBeGreaterThan(
      estimateRecordBytes(message('')) + 1000,
    );
  });
});
