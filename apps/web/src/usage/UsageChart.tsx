/**
 * @module usage/UsageChart
 * Daily cost by feature as a stacked bar chart (Recharts): one colour per feature, a legend,
 * a tooltip in dollars. The element carries `data-testid="usage-chart"` and, for tests and
 * browser checks that cannot read SVG, `data-series` (the features drawn, comma-separated).
 */
import { USAGE_FEATURES, type UsageDay, type UsageFeature } from '@atlas/protocol';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { UsageTooltip } from './UsageTooltip.js';
import './usage-chart.css';
import { toChartSeries } from './usage-chart-data.js';
import { FEATURE_COLORS, featureLabel, formatUsd } from './usage-format.js';

export interface UsageChartProps {
  days: readonly UsageDay[];
}

const CHART_HEIGHT = 280;
/** The size drawn before the container has been measured, so first paint is not empty. */
const INITIAL_SIZE = { width: 640, height: CHART_HEIGHT };

export function UsageChart({ days }: UsageChartProps) {
  const { rows, features } = toChartSeries(days);
  return (
    <figure
      className="usage-chart"
      data-testid="usage-chart"
      data-series={features.join(',')}
      aria-label="Daily cost by feature"
    >
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={INITIAL_SIZE}>
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} className="usage-chart__grid" />
          <XAxis dataKey="label" tickLine={false} axisLine={false} minTickGap={12} />
          <YAxis
            tickFormatter={(value: number) => formatUsd(value)}
            tickLine={false}
            axisLine={false}
            width={72}
          />
          <Tooltip content={<UsageTooltip />} cursor={{ className: 'usage-chart__cursor' }} />
          <Legend
            formatter={(value: string) => (
              <span className="usage-legend-label">{featureLabel(value)}</span>
            )}
            // The stacking order (the catalogue's), not Recharts' alphabetical default.
            itemSorter={(item) => USAGE_FEATURES.indexOf(item.dataKey as UsageFeature)}
            iconType="circle"
            wrapperStyle={{ paddingTop: 8 }}
          />
          {features.map((feature, index) => (
            <Bar
              key={feature}
              dataKey={feature}
              name={feature}
              stackId="cost"
              fill={FEATURE_COLORS[feature]}
              // Only the top segment of a stack gets rounded corners.
              radius={index === features.length - 1 ? [4, 4, 0, 0] : 0}
              isAnimationActive={false}
              maxBarSize={40}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
