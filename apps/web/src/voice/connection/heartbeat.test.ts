import { describe, expect, it } from 'vitest';
import { ManualTimers } from '../testing/manual-timers.js';
import { Heartbeat } from './heartbeat.js';

function setup() {
  const timers = new ManualTimers();
  const pings: number[] = [];
  let dead = 0;
  const heartbeat = new Heartbeat({
    timers,
    sendPing: (id) => pings.push(id),
    onDead: () => dead++,
  });
  return { timers, pings, heartbeat, dead: () => dead };
}

describe('Heartbeat', () => {
  it('pings every 30 s and stays alive while pongs come back', () => {
    const { timers, pings, heartbeat, dead } = setup();
    heartbeat.start();
    timers.advance(29_999);
    expect(pings).toEqual([]);
    timers.advance(1);
    expect(pings).toEqual([1]);
    timers.advance(5_000);
    heartbeat.onPong(1);
    timers.advance(25_000);
    expect(pings).toEqual([1, 2]);
    heartbeat.onPong(2);
    for (let id = 3; id <= 6; id++) {
      timers.advance(30_000);
      heartbeat.onPong(id);
    }
    timers.advance(29_999);
    expect(pings).toEqual([1, 2, 3, 4, 5, 6]);
    expect(dead()).toBe(0);
  });

  it('declares the connection dead 10 s after a ping without its pong', () => {
    const { timers, heartbeat, dead } = setup();
    heartbeat.start();
    timers.advance(30_000);
    heartbeat.onPong(99); // a pong for another ping does not count
    timers.advance(9_999);
    expect(dead()).toBe(0);
    timers.advance(1);
    expect(dead()).toBe(1);
    expect(timers.pending).toBe(0);
  });

  it('stop clears every timer', () => {
    const { timers, heartbeat } = setup();
    heartbeat.start();
    timers.advance(30_000);
    expect(timers.pending).toBe(2);
    heartbeat.stop();
    expect(timers.pending).toBe(0);
  });
});
