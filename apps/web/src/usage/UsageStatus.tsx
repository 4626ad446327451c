/**
 * @module usage/UsageStatus
 * The dashboard's in-between states: a failure in words (from the shared `describeError`)
 * with a retry button, and shimmering placeholders while the first answer loads.
 */
import { describeError } from '../api/api-error.js';

export function UsageError(props: { error: unknown; what: string; onRetry: () => void }) {
  return (
    <div className="usage-error" role="alert">
      <p>
        <strong>{props.what} could not be loaded.</strong> {describeError(props.error)}
      </p>
      <button type="button" className="usage-button" onClick={props.onRetry}>
        Try again
      </button>
    </div>
  );
}

/** A grey block of the given height standing in for content that is loading. */
export function Skeleton(props: { height: number; label: string }) {
  return (
    <div
      className="usage-skeleton"
      style={{ height: props.height }}
      role="status"
      aria-label={props.label}
      aria-busy="true"
    />
  );
}
