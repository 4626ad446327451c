import { describe, expect, it } from 'vitest';
import { ProviderError } from '../provider-error.js';
import { retryDelay, retryUntilFirstItem, withRetry } from './retry-policy.js';

const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 50 };
const overloaded = (retryAfterMs?: number) =>
  new ProviderError('overloaded', {
    provider: 'x',
    capability: 'llm',
    retryable: true,
    status: 529,
    retryAfterMs,
  });
const badRequest = () =>
  new ProviderError('bad', { provider: 'x', capability: 'llm', retryable: false, status: 400 });

describe('retry policy', () => {
  it('retries retryable failures and counts them', async () => {
    const retries: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw overloaded();
        return 'ok';
      },
      fast,
      { onRetry: (_e, attempt) => retries.push(attempt) },
    );
    expect(result).toBe('ok');
    expect(retries).toEqual([1, 2]);
  });

  it('gives up after the attempts, and at once for a non-retryable error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw overloaded();
      }, fast),
    ).rejects.toMatchObject({ status: 529 });
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw badRequest();
      }, fast),
    ).rejects.toMatchObject({ status: 400 });
    expect(calls).toBe(1);
  });

  it('waits at least retry-after, and not at all when retry-after is too long', () => {
    expect(retryDelay(overloaded(40), 1, fast, () => 0)).toBe(40);
    expect(retryDelay(overloaded(60_000), 1, fast)).toBeUndefined();
    expect(retryDelay(overloaded(), 3, fast)).toBeUndefined();
  });

  it('retries a stream that failed before its first item, never after', async () => {
    let opens = 0;
    async function* flaky(attempt: number) {
      opens++;
      if (attempt === 1) throw overloaded();
      yield 'a';
      if (attempt === 2) throw overloaded();
      yield 'b';
    }
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const item of retryUntilFirstItem(flaky, fast)) seen.push(item);
      })(),
    ).rejects.toMatchObject({ status: 529 });
    expect(opens).toBe(2);
    expect(seen).toEqual(['a']);
  });
});
