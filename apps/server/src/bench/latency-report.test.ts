import { ZERO_PROFILE } from '@atlas/fakes';
import { describe, expect, it } from 'vitest';
import { floorInput, latencyTargets, modeReport, profileReport } from './latency-report.js';
import type { TurnTiming } from './turn-timing.js';

const turn = (overrides: Partial<TurnTiming>): TurnTiming => ({
  mode: 'v2-speculative',
  utterance: 'hello',
  firstPartialMs: 1,
  finalMs: 305,
  firstTextMs: 306,
  firstAudioMs: 308,
  serverE2eMs: 7,
  serverLlmTtftMs: 2,
  serverTtsTtfbMs: 3,
  speculative: true,
  heardRight: true,
  ...overrides,
});

describe('modeReport', () => {
  it('reports stages over completed turns only, with the floor and the time above it', () => {
    const report = modeReport(
      'v2-speculative',
      [
        turn({}),
        turn({ firstAudioMs: 320, speculative: false }),
        turn({ error: 'boom', firstAudioMs: 9_999 }),
      ],
      floorInput(ZERO_PROFILE, 300, 100),
    );
    expect(report).toMatchObject({
      turns: 3,
      failed: 1,
      heardRight: 3,
      speculativeReleases: 2,
      errors: ['boom'],
    });
    expect(report.stages.firstAudio).toEqual({
      n: 2,
      p50: 308,
      p95: 320,
      floor: 300,
      addedP50: 8,
      addedP95: 20,
    });
    expect(report.server.llmTtft).toEqual({ p50: 2, p95: 2 });
  });
});

describe('latencyTargets', () => {
  it('checks the zero profile per V2 mode and the realistic comparisons', () => {
    const zero = profileReport(
      'zero',
      [turn({}), turn({ mode: 'v2-final', firstAudioMs: 360 })],
      300,
      100,
    );
    const realistic = profileReport(
      'realistic',
      [
        turn({ mode: 'v1', firstAudioMs: 5_000 }),
        turn({ mode: 'v1-button', firstAudioMs: 4_200 }),
        turn({ mode: 'v2-final', firstAudioMs: 1_300 }),
        turn({ mode: 'v2-speculative', firstAudioMs: 1_000 }),
      ],
      300,
      100,
    );
    expect(latencyTargets([zero, realistic]).map(({ value, met }) => ({ value, met }))).toEqual([
      { value: 8, met: true },
      { value: 60, met: false },
      { value: 300, met: true },
      { value: 5, met: true },
      { value: 4.2, met: false },
    ]);
  });

  it('has nothing to say about profiles that were not run', () => {
    expect(latencyTargets([])).toEqual([]);
  });
});
