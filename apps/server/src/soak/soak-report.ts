/**
 * @module soak/soak-report
 * Turns the soak's samples into its report: a table of the samples and a verdict per metric
 * (least-squares slope over the second half against a stated threshold), as text or JSON.
 */
import type { ChurnStats } from './churn.js';
import type { AtlasSample } from './soak-ipc.js';
import { judgeTrend, MIN_TREND_POINTS, type TrendRule, type TrendVerdict } from './trend.js';

export interface TimedSample extends AtlasSample {
  /** Minutes since the churn started. */
  minutes: number;
}

const MIB = 1024 * 1024;

/**
 * What "flat" means. A leak of one handle or a few KB per call would be far above these: the
 * soak runs hundreds of calls a minute.
 */
export const TREND_RULES: ReadonlyArray<
  TrendRule & { read: (s: AtlasSample) => number | undefined }
> = [
  { metric: 'rss', unit: 'MiB', maxSlopePerMinute: 2, read: (s) => s.rssBytes / MIB },
  { metric: 'heapUsed', unit: 'MiB', maxSlopePerMinute: 0.5, read: (s) => s.heapUsedBytes / MIB },
  // Judged only when sampled (the embedded database); its garbage is in the RSS above.
  {
    metric: 'dbWorkerHeapUsed',
    unit: 'MiB',
    maxSlopePerMinute: 0.5,
    read: (s) => (s.dbWorker ? s.dbWorker.heapUsedBytes / MIB : undefined),
  },
  {
    metric: 'activeResources',
    unit: 'handles',
    maxSlopePerMinute: 5,
    read: (s) => s.activeResources,
  },
  { metric: 'loopDelayP99', unit: 'ms', maxSlopePerMinute: 1, read: (s) => s.loopDelayP99Ms },
];

export interface SoakReport {
  minutes: number;
  concurrency: number;
  churn: ChurnStats;
  samples: TimedSample[];
  verdicts: TrendVerdict[];
  flat: boolean;
}

export function buildSoakReport(fields: Omit<SoakReport, 'verdicts' | 'flat'>): SoakReport {
  const verdicts: TrendVerdict[] = [];
  for (const { read, ...rule } of TREND_RULES) {
    const series = fields.samples.flatMap((s) => {
      const value = read(s);
      return value === undefined ? [] : [{ minutes: s.minutes, value }];
    });
    if (series.length > 0) verdicts.push(judgeTrend(rule, series));
  }
  return { ...fields, verdicts, flat: verdicts.every((v) => v.flat) };
}

const verdictWord = (v: TrendVerdict) =>
  v.flat ? 'flat' : v.points < MIN_TREND_POINTS ? 'TOO FEW SAMPLES' : 'GROWING';

const fixed = (value: number, digits = 1) => value.toFixed(digits);

export function formatSoakReport(report: SoakReport): string {
  const lines = [
    `Soak: ${report.minutes} min, ${report.concurrency} concurrent callers`,
    `calls: ${report.churn.cycles} complete cycles, ${report.churn.turns} turns, ` +
      `${report.churn.bargeIns} barge-ins, ${report.churn.resumes} resumes`,
    `failures: ${Object.keys(report.churn.failures).length === 0 ? 'none' : JSON.stringify(report.churn.failures)}`,
    '',
    '   min   rss MiB  heap MiB  db heap MiB  handles  loop p50/p99/max ms  sessions  atlas cpu  load',
  ];
  for (const s of report.samples) {
    lines.push(
      [
        fixed(s.minutes, 2).padStart(6),
        fixed(s.rssBytes / MIB).padStart(9),
        fixed(s.heapUsedBytes / MIB).padStart(9),
        (s.dbWorker ? fixed(s.dbWorker.heapUsedBytes / MIB) : '-').padStart(12),
        String(s.activeResources).padStart(8),
        `${fixed(s.loopDelayP50Ms)}/${fixed(s.loopDelayP99Ms)}/${fixed(s.loopDelayMaxMs)}`.padStart(
          21,
        ),
        String(s.sessions).padStart(9),
        `${Math.round(s.cpuCores * 100)} %`.padStart(10),
        fixed(s.loadAverage).padStart(5),
      ].join(' '),
    );
  }
  lines.push('', 'trend over the second half (least-squares slope per minute):');
  for (const v of report.verdicts) {
    lines.push(
      `  ${v.metric.padEnd(16)} ${fixed(v.slopePerMinute, 3).padStart(9)} ${v.unit}/min ` +
        `(flat below ${v.maxSlopePerMinute}, ${v.points} samples): ${verdictWord(v)}`,
    );
  }
  lines.push('', `verdict: ${report.flat ? 'FLAT' : 'NOT FLAT'}`);
  return lines.join('\n');
}
