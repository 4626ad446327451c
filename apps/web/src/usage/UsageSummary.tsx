/**
 * @module usage/UsageSummary
 * The month at a glance: plan, month-to-date spend against the monthly limit as a progress
 * bar, when the allowance resets, and a warning from 80 % of the limit (the same line the
 * server uses to warn during calls).
 */
import { USAGE_WARNING_FRACTION, type UsageResponse } from '@atlas/protocol';
import { formatDate, formatPercent, formatUsd } from './usage-format.js';
import { monthToDateUsd } from './usage-queries.js';

const TIER_NAMES: Readonly<Record<UsageResponse['tier'], string>> = {
  free: 'Free',
  core: 'Core',
  studio: 'Studio',
};

export function UsageSummary({ report }: { report: UsageResponse }) {
  const spent = monthToDateUsd(report);
  const fraction = report.fractionUsed;
  const warn = fraction >= USAGE_WARNING_FRACTION;
  const reached = fraction >= 1;
  const resets = formatDate(report.resetsAt);
  const level = reached ? 'reached' : warn ? 'warning' : 'ok';
  return (
    <section className="usage-summary" aria-label="This month">
      <div className="usage-summary__figures">
        <div className="usage-stat">
          <span className="usage-stat__label">Plan</span>
          <span className="usage-stat__value">
            <span className="usage-tier" data-tier={report.tier}>
              {TIER_NAMES[report.tier]}
            </span>
          </span>
        </div>
        <div className="usage-stat">
          <span className="usage-stat__label">Spent this month</span>
          <span className="usage-stat__value" data-testid="usage-total">
            {formatUsd(spent)}
          </span>
        </div>
        <div className="usage-stat">
          <span className="usage-stat__label">Monthly limit</span>
          <span className="usage-stat__value" data-testid="usage-limit">
            {formatUsd(report.monthlyLimitUsd)}
          </span>
        </div>
        <div className="usage-stat">
          <span className="usage-stat__label">Resets</span>
          <span className="usage-stat__value usage-stat__value--small">{resets}</span>
        </div>
      </div>
      <div className="usage-progress" data-level={level}>
        <div
          className="usage-progress__track"
          role="progressbar"
          aria-label="Share of the monthly limit used"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.min(100, Math.round(fraction * 100))}
          aria-valuetext={`${formatPercent(fraction)} of ${formatUsd(report.monthlyLimitUsd)}`}
        >
          <div
            className="usage-progress__fill"
            style={{ width: `${Math.min(100, Math.max(0, fraction * 100))}%` }}
          />
        </div>
        <span className="usage-progress__caption">{formatPercent(fraction)} used</span>
      </div>
      {warn && (
        <p className="usage-warning" data-testid="usage-warning" role="alert" data-level={level}>
          {reached
            ? `You have used your whole ${formatUsd(report.monthlyLimitUsd)} allowance for this month. Chat and voice pause until it resets on ${resets}.`
            : `You have used ${formatPercent(fraction)} of your ${formatUsd(report.monthlyLimitUsd)} monthly allowance. It resets on ${resets}.`}
        </p>
      )}
    </section>
  );
}
