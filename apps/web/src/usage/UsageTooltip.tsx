/**
 * @module usage/UsageTooltip
 * The chart's hover card: the day, each feature's cost in dollars (small amounts with enough
 * decimals to read) and the day's total.
 */
import { FEATURE_COLORS, FEATURE_LABELS, formatUsd, isUsageFeature } from './usage-format.js';

/** The part of Recharts' tooltip payload this card reads. */
export interface TooltipEntry {
  dataKey?: unknown;
  value?: unknown;
}

export interface UsageTooltipProps {
  active?: boolean;
  label?: unknown;
  payload?: readonly TooltipEntry[];
}

export function UsageTooltip({ active, label, payload }: UsageTooltipProps) {
  if (!active || !payload || payload.length === 0) return null;
  const entries = payload.flatMap((entry) =>
    isUsageFeature(entry.dataKey) && typeof entry.value === 'number' && entry.value > 0
      ? [{ feature: entry.dataKey, usd: entry.value }]
      : [],
  );
  const total = entries.reduce((sum, entry) => sum + entry.usd, 0);
  return (
    <div className="usage-tooltip" role="status">
      <div className="usage-tooltip__day">{String(label ?? '')}</div>
      {entries.length === 0 ? (
        <div className="usage-tooltip__none">No spend</div>
      ) : (
        <ul>
          {[...entries].reverse().map(({ feature, usd }) => (
            <li key={feature}>
              <span
                className="usage-swatch"
                style={{ backgroundColor: FEATURE_COLORS[feature] }}
                aria-hidden="true"
              />
              <span className="usage-tooltip__name">{FEATURE_LABELS[feature]}</span>
              <span className="usage-tooltip__usd">{formatUsd(usd)}</span>
            </li>
          ))}
        </ul>
      )}
      {entries.length > 1 && (
        <div className="usage-tooltip__total">
          <span>Total</span>
          <span>{formatUsd(total)}</span>
        </div>
      )}
    </div>
  );
}
