/**
 * @module bench/capacity-table
 * The capacity benchmark's printed report: one row per step, then the verdict, the per-session
 * costs, the Atlas/bare ratio and the issue's capacity targets.
 */
import type { StepReport } from './capacity-report.js';
import type { CapacityRun } from './capacity-run.js';
import { formatTable } from './report-table.js';

export function capacityTable(steps: readonly StepReport[]): string {
  return formatTable(
    [
      'sessions',
      'turns',
      'failed',
      'added p50',
      'added p95',
      'final added p50',
      'loop p99',
      'loop max',
      'CPU %',
      'CPU %/session',
      'RSS MB',
      'RSS KB/session',
      'heap KB/session',
      'client loop p99',
      'fakes CPU %',
      'fakes loop p99',
      'client CPU %',
      'healthy',
    ],
    steps.map((step) => [
      step.sessions,
      step.turns,
      step.failedTurns + step.failedSessions,
      step.addedP50Ms,
      step.addedP95Ms,
      step.finalAddedP50Ms,
      step.eventLoopDelayP99Ms,
      step.eventLoopDelayMaxMs,
      step.cpuPercent,
      step.cpuPercentPerSession,
      step.rssMb,
      step.rssKbPerSession ?? '-',
      step.heapKbPerSession,
      step.generatorEventLoopDelayP99Ms,
      step.fakesCpuPercent,
      step.fakesEventLoopDelayP99Ms,
      step.generatorCpuPercent,
      step.healthy ? 'yes' : `NO: ${step.problems.join('; ')}`,
    ]),
  );
}

export function capacitySummary(run: CapacityRun): string {
  const best = run.best;
  const lines = [
    `provider floor (zero profile, voice-to-voice): ${run.floorMs} ms; added = measured - floor`,
    best
      ? `highest healthy: ${best.sessions} sessions; per session ${best.cpuPercentPerSession} % of a core, ${best.rssKbPerSession === null ? 'RSS not measurable at this step (it shrank)' : `${best.rssKbPerSession} KB RSS`}, ${best.heapKbPerSession} KB heap`
      : 'highest healthy: none (the first step was already unhealthy)',
  ];
  if (run.bare) {
    const { bare } = run;
    lines.push(
      `bare ws echo at ${bare.sessions} sessions: CPU ${bare.cpuPercent} % (${bare.cpuPercentPerSession} %/session), ${bare.rssKbPerSession} KB RSS and ${bare.heapKbPerSession} KB heap per session, loop p99 ${bare.eventLoopDelayP99Ms} ms, echo p95 ${bare.roundTripP95Ms} ms`,
      `Atlas/bare per session: CPU ${bare.ratio.cpu ?? '-'}x, RSS ${bare.ratio.rss ?? '-'}x, heap ${bare.ratio.heap ?? '-'}x`,
    );
  }
  const sessions = best?.sessions ?? 0;
  // Memory per session means something even when no step was healthy (a busy machine).
  const measured = best ?? run.steps[0];
  const memoryKb = measured
    ? Math.max(measured.rssKbPerSession ?? 0, measured.heapKbPerSession)
    : null;
  lines.push(
    '',
    formatTable(
      ['target', 'measured', 'wanted', 'met'],
      [
        [
          'concurrent healthy sessions on this machine',
          sessions,
          '>= 500',
          sessions >= 500 ? 'yes' : 'NO',
        ],
        [
          `memory per session (KB, max of RSS and heap, at ${measured?.sessions ?? 0} sessions)`,
          memoryKb,
          '< 1024',
          memoryKb !== null && memoryKb < 1024 ? 'yes' : 'NO',
        ],
      ],
    ),
  );
  return lines.join('\n');
}
