/**
 * @module usage/usage-chart-data
 * Turns the usage report into what the stacked bar chart draws: one row per UTC day with a
 * number per feature (0 where nothing was spent, so stacks line up), and the series, which
 * are the features with any spend in the period, in the catalogue's fixed order.
 */
import { USAGE_FEATURES, type UsageDay, type UsageFeature } from '@atlas/protocol';
import { formatDay } from './usage-format.js';

export type ChartRow = { date: string; label: string; totalUsd: number } & Partial<
  Record<UsageFeature, number>
>;

export interface ChartSeries {
  rows: ChartRow[];
  /** Stacked bottom to top in this order; the legend lists them the same way. */
  features: UsageFeature[];
}

/**
 * @example
 * toChartSeries([{ date: '2026-11-21', byFeature: { chat: 0.03 }, totalUsd: 0.03 }]);
 * // { rows: [{ date: '2026-11-21', label: 'Nov 21', totalUsd: 0.03, chat: 0.03 }],
 * //   features: ['chat'] }
 */
export function toChartSeries(days: readonly UsageDay[]): ChartSeries {
  const spent = new Set<string>();
  for (const day of days) {
    for (const [feature, usd] of Object.entries(day.byFeature)) if (usd > 0) spent.add(feature);
  }
  // Features the client does not know yet (a newer server) are left out rather than drawn
  // without a colour or name.
  const features = USAGE_FEATURES.filter((feature) => spent.has(feature));
  const rows = days.map((day) => {
    const row: ChartRow = { date: day.date, label: formatDay(day.date), totalUsd: day.totalUsd };
    for (const feature of features) row[feature] = day.byFeature[feature] ?? 0;
    return row;
  });
  return { rows, features };
}
