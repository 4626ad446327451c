/**
 * @module soak/trend
 * The soak's verdict, as pure functions: a least-squares slope over the second half of the
 * samples (the first half holds warm-up: JIT, pools, lazily loaded modules), compared with a
 * stated threshold per metric. "Flat" means the fitted growth stays below the threshold.
 */

/** One point of a series: minutes since the soak started, and the measured value. */
export interface TrendPoint {
  minutes: number;
  value: number;
}

/**
 * Least-squares slope (value units per minute) of `points`. Fewer than two points, or all at
 * the same time, have no trend: 0.
 */
export function linearSlope(points: readonly TrendPoint[]): number {
  const n = points.length;
  if (n < 2) return 0;
  let sumX = 0;
  let sumY = 0;
  for (const { minutes, value } of points) {
    sumX += minutes;
    sumY += value;
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  let covariance = 0;
  let variance = 0;
  for (const { minutes, value } of points) {
    covariance += (minutes - meanX) * (value - meanY);
    variance += (minutes - meanX) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}

/** The later half of a series (the middle point, if any, belongs to it). */
export function secondHalf<T>(samples: readonly T[]): T[] {
  return samples.slice(Math.floor(samples.length / 2));
}

/** Fewest second-half points a slope is judged on. */
export const MIN_TREND_POINTS = 3;

export interface TrendRule {
  /** Name shown in the report, e.g. `rss`. */
  metric: string;
  unit: string;
  /** Largest slope (unit per minute) still called flat. */
  maxSlopePerMinute: number;
}

export interface TrendVerdict extends TrendRule {
  slopePerMinute: number;
  /** Points the slope was fitted on. */
  points: number;
  flat: boolean;
}

/**
 * Judges one series. Too few points to fit (fewer than 3 in the second half) is never flat: a
 * soak too short to say anything must not pass.
 */
export function judgeTrend(rule: TrendRule, series: readonly TrendPoint[]): TrendVerdict {
  const fitted = secondHalf(series);
  const slopePerMinute = linearSlope(fitted);
  return {
    ...rule,
    slopePerMinute,
    points: fitted.length,
    flat: fitted.length >= MIN_TREND_POINTS && slopePerMinute <= rule.maxSlopePerMinute,
  };
}
