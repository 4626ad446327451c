import { describe, expect, it } from 'vitest';
import { LoopYielder } from './loop-yield.js';

describe('LoopYielder', () => {
  it('lets pending I/O and timers run once the budget is spent', async () => {
    let clock = 0;
    const yielder = new LoopYielder(4, () => clock);
    let ranBetween = false;
    setImmediate(() => {
      ranBetween = true;
    });
    clock = 3;
    await yielder.maybeYield();
    expect(ranBetween).toBe(false); // within budget: no turn given
    clock = 5;
    await yielder.maybeYield();
    expect(ranBetween).toBe(true);
  });

  it('starts a new budget after each yield', async () => {
    let clock = 0;
    const yielder = new LoopYielder(4, () => clock);
    clock = 10;
    await yielder.maybeYield();
    let ran = false;
    setImmediate(() => {
      ran = true;
    });
    clock = 12;
    await yielder.maybeYield();
    expect(ran).toBe(false);
  });
});
