import { describe, expect, it } from 'vitest';
import { backoffDelay, isTransientDatabaseError, type RetryOptions, withRetry } from './retry.js';

const coded = (code: string) => Object.assign(new Error(`failed with ${code}`), { code });

describe('isTransientDatabaseError', () => {
  it.each([
    ['a refused connection', coded('ECONNREFUSED')],
    ['a reset socket', coded('ECONNRESET')],
    ['any SQLSTATE class 08 connection exception', coded('08006')],
    ['admin shutdown', coded('57P01')],
    ['too many connections', coded('53300')],
    ['a serialization failure', coded('40001')],
    ['a deadlock', coded('40P01')],
    ['a node-postgres dropped socket', new Error('Connection terminated unexpectedly')],
    [
      'a dual-stack AggregateError',
      new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], ''),
    ],
  ])('retries %s', (_, error) => {
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it.each([
    ['a syntax error', coded('42601')],
    ['a permission error', coded('42501')],
    ['a unique violation', coded('23505')],
    ['a plain error', new Error('boom')],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
  ])('does not retry %s', (_, error) => {
    expect(isTransientDatabaseError(error)).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt and draws between half of it and all of it', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelay(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 10_000, () => 0)).toBe(200);
    expect(backoffDelay(3, 100, 10_000, () => 1)).toBe(400);
  });

  it('never exceeds the maximum, however many attempts', () => {
    for (const attempt of [6, 10, 50, 1_000]) {
      expect(backoffDelay(attempt, 100, 2_000, () => 1)).toBe(2_000);
      expect(backoffDelay(attempt, 100, 2_000, () => 0)).toBe(1_000);
    }
  });
});

describe('withRetry', () => {
  function options(delays: number[], extra: Partial<RetryOptions> = {}): RetryOptions {
    return {
      attempts: 4,
      baseDelayMs: 10,
      maxDelayMs: 1_000,
      sleep: async (ms) => {
        delays.push(ms);
      },
      ...extra,
    };
  }

  it('retries transient failures and returns the first success', async () => {
    const delays: number[] = [];
    const retried: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw coded('ECONNRESET');
        return 'ok';
      },
      options(delays, { onRetry: (_, attempt) => retried.push(attempt) }),
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(retried).toEqual([1, 2]);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(5);
    expect(delays[0]).toBeLessThanOrEqual(10);
    expect(delays[1]).toBeGreaterThanOrEqual(10);
    expect(delays[1]).toBeLessThanOrEqual(20);
  });

  it('gives up after the configured attempts with the last error', async () => {
    const delays: number[] = [];
    let calls = 0;
    const failing = withRetry(async () => {
      calls++;
      throw coded('57P01');
    }, options(delays));
    await expect(failing).rejects.toMatchObject({ code: '57P01' });
    expect(calls).toBe(4);
    expect(delays).toHaveLength(3);
  });

  it('fails at once on a permanent error', async () => {
    const delays: number[] = [];
    let calls = 0;
    const failing = withRetry(async () => {
      calls++;
      throw coded('42601');
    }, options(delays));
    await expect(failing).rejects.toMatchObject({ code: '42601' });
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
  });

  it('honours a custom retry predicate', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw new Error('try again');
        return calls;
      },
      options([], { isRetryable: (error) => (error as Error).message === 'try again' }),
    );
    expect(result).toBe(2);
  });
});
