import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemorySessionRegistry } from './memory-session-registry.js';
import { type SessionRegistry, startHeartbeat } from './session-registry.js';

describe('startHeartbeat', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const registry = () => new MemorySessionRegistry({ ttlMs: 300, now: () => Date.now() });

  it('keeps the slot alive until stopped, then lets it expire', async () => {
    const sessions = registry();
    await sessions.acquire('u', 's1');
    const heartbeat = startHeartbeat(sessions, 'u', 's1');
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await sessions.count('u')).toBe(1);
    heartbeat.stop();
    heartbeat.stop();
    await vi.advanceTimersByTimeAsync(300);
    expect(await sessions.count('u')).toBe(0);
  });

  it('calls onLost once and stops when the slot is gone', async () => {
    const sessions = registry();
    await sessions.acquire('u', 's1');
    const spy = vi.spyOn(sessions, 'heartbeat');
    const onLost = vi.fn();
    startHeartbeat(sessions, 'u', 's1', { onLost });
    await sessions.release('u', 's1');
    await vi.advanceTimersByTimeAsync(100);
    expect(onLost).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('reports failures and keeps trying; never overlaps a slow heartbeat', async () => {
    let calls = 0;
    let release: (() => void) | undefined;
    const flaky: SessionRegistry = {
      maxSessionsPerUser: 3,
      ttlMs: 300,
      acquire: async () => ({ ok: true, alreadyHeld: false }),
      release: async () => {},
      count: async () => 0,
      heartbeat: () => {
        calls++;
        if (calls === 1) return Promise.reject(new Error('redis down'));
        // The second call hangs until released.
        return new Promise<boolean>((resolve) => {
          release = () => resolve(true);
        });
      },
    };
    const onError = vi.fn();
    const heartbeat = startHeartbeat(flaky, 'u', 's1', { onError });
    await vi.advanceTimersByTimeAsync(100);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'redis down' }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    release?.();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(3);
    heartbeat.stop();
  });
});
