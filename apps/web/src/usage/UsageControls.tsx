/**
 * @module usage/UsageControls
 * The dashboard's two choices: the period (last 7 or 30 days, a segmented switch) and the
 * feature filter (a `<select>` whose value is `all` or a feature).
 */
import { USAGE_FEATURES, type UsageFeature } from '@atlas/protocol';
import { FEATURE_LABELS } from './usage-format.js';
import type { FeatureFilter, UsageRange } from './usage-queries.js';

export interface UsageControlsProps {
  days: UsageRange;
  feature: FeatureFilter;
  onDaysChange: (days: UsageRange) => void;
  onFeatureChange: (feature: FeatureFilter) => void;
}

const RANGES: readonly UsageRange[] = [7, 30];

function toFilter(value: string): FeatureFilter {
  return (USAGE_FEATURES as readonly string[]).includes(value) ? (value as UsageFeature) : 'all';
}

export function UsageControls(props: UsageControlsProps) {
  return (
    <div className="usage-controls">
      <fieldset className="usage-range">
        <legend className="usage-visually-hidden">Period</legend>
        {RANGES.map((range) => (
          <button
            key={range}
            type="button"
            className="usage-range__option"
            data-testid={`usage-range-${range}`}
            aria-pressed={props.days === range}
            onClick={() => props.onDaysChange(range)}
          >
            {range} days
          </button>
        ))}
      </fieldset>
      <label className="usage-filter">
        <span className="usage-filter__label">Feature</span>
        <select
          data-testid="usage-feature-filter"
          value={props.feature}
          onChange={(event) => props.onFeatureChange(toFilter(event.currentTarget.value))}
        >
          <option value="all">All features</option>
          {USAGE_FEATURES.map((feature) => (
            <option key={feature} value={feature}>
              {FEATURE_LABELS[feature]}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
