/**
 * @module bench/stats
 * Percentiles of measured durations, the way the benchmark reports them: nearest-rank on the
 * sorted samples (no interpolation, so every reported figure is a value that was measured).
 */

export interface Summary {
  /** Samples summarised (missing measurements are not counted). */
  readonly n: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Nearest-rank percentile of ascending `sorted`; `null` for no samples. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be 0..100, got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** p50/p95/p99/max of the finite values; `null` and `NaN` (a stage that did not happen) are skipped. */
export function summarize(values: ReadonlyArray<number | null | undefined>): Summary {
  const sorted = values
    .filter((value): value is number => typeof value === 'number' && Number.isFinite(value))
    .sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? null,
  };
}

/** Rounds to 0.1 ms for reports; `null` stays `null`. */
export function roundMs(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}
