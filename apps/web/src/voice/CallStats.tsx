/**
 * @module voice/CallStats
 * The call's numbers: latency of the last turn (end of speech to first audio), the session's
 * cost so far, the budget warning, and the playback queue's counters as a visually hidden
 * element the browser tests read.
 */
import type { PlaybackStats } from './audio/playback-queue.js';

export interface CallStatsProps {
  latencyMs: number | undefined;
  costUsd: number | undefined;
  budgetWarning: { costUsd: number; limitUsd: number } | undefined;
  playback: PlaybackStats;
}

export function formatUsd(usd: number): string {
  return `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

export function CallStats(props: CallStatsProps) {
  return (
    <section className="call-stats" aria-label="Call statistics">
      <dl>
        <div>
          <dt>Turn latency</dt>
          <dd
            data-testid="turn-latency"
            {...(props.latencyMs === undefined ? {} : { 'data-ms': props.latencyMs })}
          >
            {props.latencyMs === undefined ? '—' : `${Math.round(props.latencyMs)} ms`}
          </dd>
        </div>
        <div>
          <dt>Session cost</dt>
          <dd
            data-testid="session-cost"
            {...(props.costUsd === undefined ? {} : { 'data-usd': props.costUsd })}
          >
            {props.costUsd === undefined ? '—' : formatUsd(props.costUsd)}
          </dd>
        </div>
      </dl>
      {props.budgetWarning && (
        <p className="call-warning" data-testid="budget-warning" role="status">
          This call has used {formatUsd(props.budgetWarning.costUsd)} of its{' '}
          {formatUsd(props.budgetWarning.limitUsd)} budget. It ends when the budget is spent.
        </p>
      )}
      <span
        className="visually-hidden"
        data-testid="playback-stats"
        data-scheduled-ms={Math.round(props.playback.scheduledMs)}
        data-chunks={props.playback.chunks}
        data-flushes={props.playback.flushes}
        data-playing={props.playback.playing ? 'true' : 'false'}
      >
        {`${props.playback.chunks} audio chunks scheduled`}
      </span>
    </section>
  );
}
