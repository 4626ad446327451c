import { describe, expect, it } from 'vitest';
import { newChurnStats } from './churn.js';
import { buildSoakReport, formatSoakReport, type TimedSample } from './soak-report.js';

const MIB = 1024 * 1024;

function samples(rssGrowthMiBPerMinute: number): TimedSample[] {
  return Array.from({ length: 12 }, (_, i) => ({
    minutes: i / 6,
    rssBytes: (400 + rssGrowthMiBPerMinute * (i / 6)) * MIB,
    heapUsedBytes: 40 * MIB,
    externalBytes: 0,
    resources: { TCPSocketWrap: 20 },
    activeResources: 20,
    loopDelayP50Ms: 0.1,
    loopDelayP99Ms: 20,
    loopDelayMaxMs: 50,
    cpuCores: 0.4,
    loadAverage: 1.5,
    sessions: 20,
    connecting: 0,
  }));
}

describe('soak report', () => {
  it('is flat when every metric is flat', () => {
    const report = buildSoakReport({
      minutes: 2,
      concurrency: 20,
      churn: newChurnStats(),
      samples: samples(0),
    });
    expect(report.flat).toBe(true);
    expect(report.verdicts.map((v) => v.metric)).toEqual([
      'rss',
      'heapUsed',
      'activeResources',
      'loopDelayP99',
    ]);
    expect(formatSoakReport(report)).toMatch(/verdict: FLAT$/);
  });

  it('names the metric that grows', () => {
    const report = buildSoakReport({
      minutes: 2,
      concurrency: 20,
      churn: newChurnStats(),
      samples: samples(10),
    });
    expect(report.flat).toBe(false);
    const text = formatSoakReport(report);
    expect(text).toMatch(/rss\s+10\.000 MiB\/min \(flat below 2, 6 samples\): GROWING/);
    expect(text).toMatch(/verdict: NOT FLAT$/);
  });

  it("judges the embedded database worker's heap when it was sampled, and shows it per sample", () => {
    const withWorker = (workerGrowthMiBPerMinute: number) =>
      samples(0).map((sample) => ({
        ...sample,
        dbWorker: {
          heapUsedBytes: (12 + workerGrowthMiBPerMinute * sample.minutes) * MIB,
          heapTotalBytes: 64 * MIB,
          wasmBytes: 300 * MIB,
        },
      }));
    const flat = buildSoakReport({
      minutes: 2,
      concurrency: 20,
      churn: newChurnStats(),
      samples: withWorker(0),
    });
    expect(flat.verdicts.map((v) => v.metric)).toContain('dbWorkerHeapUsed');
    expect(flat.flat).toBe(true);
    expect(formatSoakReport(flat)).toMatch(
      /db heap MiB[\s\S]*\n\s+0\.00\s+400\.0\s+40\.0\s+12\.0 /,
    );
    const growing = buildSoakReport({
      minutes: 2,
      concurrency: 20,
      churn: newChurnStats(),
      samples: withWorker(3),
    });
    expect(growing.flat).toBe(false);
    expect(formatSoakReport(growing)).toMatch(/dbWorkerHeapUsed\s+3\.000 MiB\/min .*GROWING/);
  });

  it('says when a run was too short to judge, rather than calling it growing', () => {
    const report = buildSoakReport({
      minutes: 0.1,
      concurrency: 2,
      churn: newChurnStats(),
      samples: samples(0).slice(0, 2),
    });
    expect(report.flat).toBe(false);
    expect(formatSoakReport(report)).toMatch(/rss .*\(flat below 2, 1 samples\): TOO FEW SAMPLES/);
  });
});
