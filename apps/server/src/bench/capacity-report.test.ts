import { describe, expect, it } from 'vitest';
import {
  compareWithBare,
  evaluateStep,
  highestHealthy,
  memoryReference,
  type StepInput,
} from './capacity-report.js';
import type { ProcessSample } from './process-sampler.js';

const sample = (overrides: Partial<ProcessSample> = {}): ProcessSample => ({
  windowMs: 10_000,
  eventLoopDelayP99Ms: 20,
  eventLoopDelayMaxMs: 40,
  cpuPercent: 50,
  rssMb: 200,
  heapUsedMb: 60,
  ...overrides,
});

const step = (overrides: Partial<StepInput> = {}): StepInput => ({
  sessions: 100,
  voiceToVoiceMs: Array.from({ length: 100 }, (_, i) => 300 + i / 10),
  failedTurns: 0,
  failedSessions: 0,
  floorMs: 300,
  atlas: sample(),
  baseline: sample({ rssMb: 100, heapUsedMb: 40 }),
  generatorEventLoopDelayP99Ms: 5,
  ...overrides,
});

describe('evaluateStep', () => {
  it('computes added latency over the floor and per-session costs above the baseline', () => {
    const report = evaluateStep(step());
    expect(report).toMatchObject({
      sessions: 100,
      turns: 100,
      addedP50Ms: 4.9,
      addedP95Ms: 9.4,
      cpuPercentPerSession: 0.5,
      rssKbPerSession: 1024,
      heapKbPerSession: 204.8,
      healthy: true,
      problems: [],
    });
  });

  it('counts memory per session from an earlier step when given (the marginal cost)', () => {
    const report = evaluateStep(
      step({
        sessions: 300,
        atlas: sample({ rssMb: 600, heapUsedMb: 70 }),
        baseline: sample({ rssMb: 900, heapUsedMb: 40 }), // start-up memory since returned
        memoryReference: { sessions: 100, sample: sample({ rssMb: 580, heapUsedMb: 60 }) },
      }),
    );
    expect(report.rssKbPerSession).toBe(102.4); // 20 MB over 200 sessions
    expect(report.heapKbPerSession).toBe(51.2);
  });

  it('measures growth from the earlier step with the least RSS (after start-up memory went back)', () => {
    const at = (sessions: number, rssMb: number) => ({ sessions, sample: sample({ rssMb }) });
    let reference = memoryReference(undefined, at(50, 880));
    expect(reference.sessions).toBe(50);
    reference = memoryReference(reference, at(100, 549));
    expect(reference.sessions).toBe(100);
    reference = memoryReference(reference, at(200, 597));
    expect(reference.sessions).toBe(100);
  });

  it('gives no RSS per session when RSS shrank (memory returned to the OS), keeping the heap', () => {
    const report = evaluateStep(
      step({
        atlas: sample({ rssMb: 90, heapUsedMb: 50 }),
        baseline: sample({ rssMb: 190, heapUsedMb: 40 }),
      }),
    );
    expect(report.rssKbPerSession).toBeNull();
    expect(report.heapKbPerSession).toBe(102.4);
  });

  it('reports the fakes and the load generator beside Atlas, or null when not sampled', () => {
    expect(
      evaluateStep(
        step({
          fakesCpuPercent: 33.333,
          generatorCpuPercent: 12.04,
          fakesEventLoopDelayP99Ms: 7.77,
        }),
      ),
    ).toMatchObject({
      fakesCpuPercent: 33.3,
      generatorCpuPercent: 12,
      fakesEventLoopDelayP99Ms: 7.8,
    });
    expect(evaluateStep(step())).toMatchObject({
      fakesCpuPercent: null,
      generatorCpuPercent: null,
      fakesEventLoopDelayP99Ms: null,
    });
  });

  it('is unhealthy past 50 ms added p95, 100 ms event-loop p99, or 1 % failures', () => {
    expect(evaluateStep(step({ floorMs: 240 })).problems).toEqual([
      'added latency p95 69 ms > 50 ms',
    ]);
    expect(evaluateStep(step({ atlas: sample({ eventLoopDelayP99Ms: 150 }) })).healthy).toBe(false);
    expect(evaluateStep(step({ failedTurns: 2 })).healthy).toBe(false);
    expect(evaluateStep(step({ failedSessions: 2 })).healthy).toBe(false);
    expect(evaluateStep(step({ voiceToVoiceMs: [] })).problems).toEqual(['no turn completed']);
  });

  it('the highest healthy step is the last one before the first failure', () => {
    const healthy = (sessions: number) => evaluateStep(step({ sessions }));
    const sick = (sessions: number) => evaluateStep(step({ sessions, failedTurns: 50 }));
    expect(highestHealthy([healthy(50), healthy(100), sick(200), healthy(300)])?.sessions).toBe(
      100,
    );
    expect(highestHealthy([sick(50)])).toBeUndefined();
  });
});

describe('compareWithBare', () => {
  it('divides Atlas by the bare server per session, at the same load', () => {
    const atlas = evaluateStep(step());
    const bare = compareWithBare(atlas, {
      sessions: 100,
      sample: sample({ cpuPercent: 10, rssMb: 110, heapUsedMb: 41 }),
      baseline: sample({ rssMb: 100, heapUsedMb: 40 }),
      roundTripsMs: [1, 2, 3],
    });
    expect(bare).toMatchObject({
      cpuPercentPerSession: 0.1,
      rssKbPerSession: 102.4,
      roundTripP95Ms: 3,
      ratio: { cpu: 5, rss: 10, heap: 20 },
    });
  });

  it('gives no ratio when the bare figure is nothing', () => {
    const atlas = evaluateStep(step());
    const bare = compareWithBare(atlas, {
      sessions: 100,
      sample: sample({ cpuPercent: 0, rssMb: 100, heapUsedMb: 40 }),
      baseline: sample({ rssMb: 100, heapUsedMb: 40 }),
      roundTripsMs: [],
    });
    expect(bare.ratio).toEqual({ cpu: null, rss: null, heap: null });
    expect(bare.roundTripP95Ms).toBeNull();
  });

  it('gives no RSS ratio when Atlas had no RSS per session (its RSS shrank)', () => {
    const atlas = evaluateStep(
      step({ atlas: sample({ rssMb: 90, heapUsedMb: 50 }), baseline: sample({ rssMb: 190 }) }),
    );
    const bare = compareWithBare(atlas, {
      sessions: 100,
      sample: sample({ cpuPercent: 10, rssMb: 110, heapUsedMb: 41 }),
      baseline: sample({ rssMb: 100, heapUsedMb: 40 }),
      roundTripsMs: [1],
    });
    expect(bare.ratio.rss).toBeNull();
    expect(bare.ratio.heap).not.toBeNull();
  });
});
