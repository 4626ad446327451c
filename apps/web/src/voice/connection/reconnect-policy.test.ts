import { describe, expect, it } from 'vitest';
import { closeAction, reconnectDelayMs } from './reconnect-policy.js';

describe('reconnect policy', () => {
  it('backs off 1, 2, 4, 8, 16 s and gives up after five attempts', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => reconnectDelayMs(attempt))).toEqual([
      1_000,
      2_000,
      4_000,
      8_000,
      16_000,
      undefined,
    ]);
    expect(reconnectDelayMs(0)).toBeUndefined();
  });

  it('never waits more than the cap', () => {
    const policy = { baseDelayMs: 1_000, maxDelayMs: 30_000, maxAttempts: 8 };
    expect(reconnectDelayMs(6, policy)).toBe(30_000);
    expect(reconnectDelayMs(8, policy)).toBe(30_000);
  });

  it('resumes after drops and restarts, stops on codes that mean stop', () => {
    expect(closeAction(1000)).toBe('done');
    for (const code of [1001, 1006, 1011, 1012]) expect(closeAction(code)).toBe('resume');
    for (const code of [4000, 4001, 4003, 4008, 4009, 4029]) expect(closeAction(code)).toBe('stop');
  });
});
