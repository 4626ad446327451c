import { describe, expect, it } from 'vitest';
import { evaluateStep } from './capacity-report.js';
import type { CapacityRun } from './capacity-run.js';
import { capacitySummary, capacityTable } from './capacity-table.js';
import type { ProcessSample } from './process-sampler.js';

const sample = (overrides: Partial<ProcessSample> = {}): ProcessSample => ({
  windowMs: 10_000,
  eventLoopDelayP99Ms: 20,
  eventLoopDelayMaxMs: 30,
  cpuPercent: 40,
  rssMb: 150,
  heapUsedMb: 50,
  ...overrides,
});
const baseline = sample({ rssMb: 100, heapUsedMb: 40 });
const step = (sessions: number, failedTurns = 0) =>
  evaluateStep({
    sessions,
    voiceToVoiceMs: [305, 310],
    failedTurns,
    failedSessions: 0,
    floorMs: 300,
    atlas: sample(),
    baseline,
    generatorEventLoopDelayP99Ms: 3,
  });

describe('capacity report text', () => {
  it('has a row per step saying why an unhealthy one failed', () => {
    const lines = capacityTable([step(50), step(100, 5)]).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^\s*50\s.*\syes$/);
    expect(lines[3]).toMatch(/NO: 5 failed turns, 0 failed sessions$/);
  });

  it('names the highest healthy step and checks the targets', () => {
    const run: CapacityRun = {
      floorMs: 300,
      baseline,
      steps: [step(50), step(100, 5)],
      best: step(50),
      bare: undefined,
    };
    const text = capacitySummary(run);
    expect(text).toContain(
      'highest healthy: 50 sessions; per session 0.8 % of a core, 1024 KB RSS',
    );
    expect(text).toMatch(/concurrent healthy sessions on this machine\s+50\s+>= 500\s+NO/);
    expect(text).toMatch(
      /memory per session \(KB, max of RSS and heap, at 50 sessions\)\s+1024\s+< 1024\s+NO/,
    );
  });

  it('still reports memory per session when no step was healthy', () => {
    const run: CapacityRun = {
      floorMs: 300,
      baseline,
      steps: [step(50, 5)],
      best: undefined,
      bare: undefined,
    };
    const text = capacitySummary(run);
    expect(text).toContain('highest healthy: none');
    expect(text).toMatch(/at 50 sessions\)\s+1024/);
  });

  it('says when RSS per session could not be measured and falls back on the heap', () => {
    const shrank = evaluateStep({
      sessions: 100,
      voiceToVoiceMs: [305],
      failedTurns: 0,
      failedSessions: 0,
      floorMs: 300,
      atlas: sample({ rssMb: 90, heapUsedMb: 45 }),
      baseline: sample({ rssMb: 200, heapUsedMb: 40 }),
      generatorEventLoopDelayP99Ms: 3,
    });
    const run: CapacityRun = {
      floorMs: 300,
      baseline,
      steps: [shrank],
      best: shrank,
      bare: undefined,
    };
    expect(capacityTable([shrank])).toMatch(/^\s*100\s.*\s-\s+51\.2\s/m);
    const text = capacitySummary(run);
    expect(text).toContain('RSS not measurable at this step (it shrank), 51.2 KB heap');
    expect(text).toMatch(/at 100 sessions\)\s+51\.2\s+< 1024\s+yes/);
  });
});
