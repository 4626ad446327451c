/**
 * @module bench/report-table
 * Plain-text tables for the benchmark reports: columns sized to their widest cell, text left,
 * numbers right, `-` for a figure that does not exist (e.g. V1 has no partial transcripts).
 */
import type { ProfileReport, TargetCheck } from './latency-report.js';

export type Cell = string | number | null;

export function formatCell(cell: Cell): string {
  if (cell === null) return '-';
  if (typeof cell === 'number') return Number.isInteger(cell) ? String(cell) : cell.toFixed(1);
  return cell;
}

export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const text = rows.map((row) => headers.map((_, i) => formatCell(row[i] ?? null)));
  const numeric = headers.map((_, i) => rows.every((row) => typeof row[i] !== 'string'));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...text.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

const STAGE_LABELS = {
  firstPartial: 'first partial (from speech start)',
  final: 'end of speech -> final transcript',
  firstText: 'end of speech -> first reply text',
  firstAudio: 'end of speech -> first audio (v2v)',
} as const;

export function latencyTable(report: ProfileReport): string {
  const rows: Cell[][] = [];
  for (const mode of report.modes) {
    for (const [stage, label] of Object.entries(STAGE_LABELS) as Array<
      [keyof typeof STAGE_LABELS, string]
    >) {
      const s = mode.stages[stage];
      rows.push([mode.mode, label, s.n, s.p50, s.p95, s.floor, s.addedP50, s.addedP95]);
    }
  }
  const header = `profile ${report.profile}: ${report.modes
    .map(
      (m) =>
        `${m.mode} ${m.turns - m.failed}/${m.turns} turns ok, ${m.heardRight} heard right${m.mode === 'v2-speculative' ? `, ${m.speculativeReleases} speculative` : ''}`,
    )
    .join('; ')}`;
  const server = report.modes
    .filter((m) => m.mode.startsWith('v2'))
    .map(
      (m) =>
        `${m.mode} LLM first token p50 ${formatCell(m.server.llmTtft.p50)}, TTS first byte p50 ${formatCell(m.server.ttsTtfb.p50)}`,
    )
    .join('; ');
  return `${header}\n${formatTable(
    ['mode', 'stage (ms)', 'n', 'p50', 'p95', 'floor', 'added p50', 'added p95'],
    rows,
  )}\nas Atlas saw its providers (ms): ${server}`;
}

export function targetsTable(checks: readonly TargetCheck[]): string {
  return formatTable(
    ['target', 'measured', 'wanted', 'met'],
    checks.map((check) => [check.name, check.value, check.target, check.met ? 'yes' : 'NO']),
  );
}
