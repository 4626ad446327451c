import { describe, expect, it, vi } from 'vitest';
import { MemoryResumeStore } from './memory-resume-store.js';
import type { ResumeStore, ResumeTicket } from './resume-store.js';
import { StandingTicket, type StandingTicketOptions } from './standing-ticket.js';

interface State {
  turns: number;
}

function standing(
  store: ResumeStore<State>,
  overrides: Partial<StandingTicketOptions<State>> = {},
) {
  let turns = 0;
  const onTaken = vi.fn();
  const onError = vi.fn();
  const ticket = new StandingTicket<State>({
    store,
    sessionId: 's',
    userId: 'u',
    owner: 'run-1',
    ttlMs: 60_000,
    intervalMs: 20,
    state: () => ({ turns }),
    onTaken,
    onError,
    ...overrides,
  });
  return { ticket, onTaken, onError, setTurns: (n: number) => (turns = n) };
}

describe('standing ticket', () => {
  it('is resumable from the start and carries the latest state after a refresh', async () => {
    const store = new MemoryResumeStore<State>();
    const { ticket, setTurns } = standing(store, { intervalMs: 59_000 });
    ticket.start();
    await vi.waitFor(() => expect(store.size).toBe(1));
    setTurns(3);
    ticket.refresh();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The instance dies here: no end, no final write. Another resumes from the refresh.
    ticket.stop();
    expect((await store.take('s', 'u', 'run-2'))?.state.turns).toBe(3);
  });

  it('refreshes on its timer, so it outlives its TTL while the session lives', async () => {
    let now = 0;
    const store = new MemoryResumeStore<State>({ now: () => now });
    const { ticket } = standing(store, { ttlMs: 100, intervalMs: 10 });
    ticket.start();
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 15));
      now += 50; // each tick rewrites it with a fresh TTL from "now"
    }
    ticket.stop();
    // 250 ms of the store's clock have passed: only refreshes kept the 100 ms ticket alive.
    expect(await store.take('s', 'u', 'run-2')).toBeDefined();
  });

  it('tells a live run once that the session was taken over, and stops writing', async () => {
    const store = new MemoryResumeStore<State>();
    const { ticket, onTaken, setTurns } = standing(store);
    ticket.start();
    await vi.waitFor(() => expect(store.size).toBe(1));
    expect(await store.take('s', 'u', 'run-2')).toBeDefined();
    setTurns(7);
    await vi.waitFor(() => expect(onTaken).toHaveBeenCalledTimes(1));
    expect(ticket.taken).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(onTaken).toHaveBeenCalledTimes(1);
    // The new run's claim stands: its own checkpoint works, the old state never came back.
    expect(
      await store.checkpoint({ sessionId: 's', userId: 'u', state: { turns: 1 } }, 'run-2'),
    ).toBe(true);
    expect((await store.take('s', 'u', 'run-3'))?.state.turns).toBe(1);
    expect(await ticket.final()).toBe('taken');
  });

  it('final saves the last state for the window; release leaves nothing to resume', async () => {
    const store = new MemoryResumeStore<State>();
    const dropped = standing(store);
    dropped.ticket.start();
    dropped.setTurns(4);
    expect(await dropped.ticket.final()).toBe('kept');
    expect((await store.take('s', 'u', 'run-2'))?.state.turns).toBe(4);

    const ended = standing(store, { sessionId: 'ended' });
    ended.ticket.start();
    expect(await ended.ticket.release()).toBe('kept');
    expect(await store.take('ended', 'u', 'run-2')).toBeUndefined();
    expect(ended.onTaken).not.toHaveBeenCalled();
  });

  it('an end after a takeover leaves the session to the new run', async () => {
    const store = new MemoryResumeStore<State>();
    const { ticket, onTaken } = standing(store, { intervalMs: 59_000 });
    ticket.start();
    await vi.waitFor(() => expect(store.size).toBe(1));
    await store.take('s', 'u', 'run-2');
    expect(await ticket.release()).toBe('taken');
    expect(onTaken).not.toHaveBeenCalled();
    expect(
      await store.checkpoint({ sessionId: 's', userId: 'u', state: { turns: 2 } }, 'run-2'),
    ).toBe(true);
  });

  it('never lets an older write land after a newer one, and reports store failures', async () => {
    const written: number[] = [];
    let fail = true;
    const slowStore: ResumeStore<State> = {
      checkpoint: async (saved: ResumeTicket<State>) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (fail) {
          fail = false;
          throw new Error('store unreachable');
        }
        written.push(saved.state.turns);
        return true;
      },
      take: async () => undefined,
      release: async () => true,
    };
    const { ticket, setTurns, onError } = standing(slowStore, { intervalMs: 59_000 });
    ticket.start(); // fails: reported, not thrown
    for (let turn = 1; turn <= 5; turn++) {
      setTurns(turn);
      ticket.refresh();
    }
    expect(await ticket.final()).toBe('kept');
    expect(onError).toHaveBeenCalledTimes(1);
    expect(written).toEqual([...written].sort((a, b) => a - b));
    expect(written.at(-1)).toBe(5);
    // Refreshes during a write were folded into one, not queued one by one.
    expect(written.length).toBeLessThanOrEqual(2);
  });

  it('refuses an interval that would let the ticket expire between refreshes', () => {
    const store = new MemoryResumeStore<State>();
    expect(() => standing(store, { ttlMs: 100, intervalMs: 100 })).toThrow(RangeError);
    expect(() => standing(store, { intervalMs: 0 })).toThrow(RangeError);
  });
});
