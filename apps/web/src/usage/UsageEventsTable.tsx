/**
 * @module usage/UsageEventsTable
 * The user's recent usage events, newest first, twenty at a time with "Load more". Voice
 * events name their call session so a long call's many small charges can be told apart.
 */
import type { UsageEvent } from '@atlas/protocol';
import {
  FEATURE_COLORS,
  FEATURE_LABELS,
  formatTokens,
  formatUsd,
  formatWhen,
} from './usage-format.js';
import './usage-table.css';

export interface UsageEventsTableProps {
  events: readonly UsageEvent[];
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
}

function detailOf(event: UsageEvent): string | undefined {
  const { meta } = event;
  const parts: string[] = [];
  if (meta.sessionId) parts.push(`call ${meta.sessionId.slice(0, 8)}`);
  if (meta.audioSeconds !== undefined) parts.push(`${meta.audioSeconds.toFixed(1)} s of audio`);
  if (meta.characters !== undefined)
    parts.push(`${meta.characters.toLocaleString('en-US')} characters`);
  if (meta.interrupted) parts.push('interrupted');
  else if (meta.cancelled) parts.push('cancelled');
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

export function UsageEventsTable(props: UsageEventsTableProps) {
  const now = new Date();
  return (
    <div className="usage-events">
      <div className="usage-table-scroll">
        <table className="usage-table" data-testid="usage-events">
          <caption className="usage-visually-hidden">Recent usage events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col">Model</th>
              <th scope="col" className="usage-table__num">
                Tokens
              </th>
              <th scope="col" className="usage-table__num">
                Cost
              </th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {props.events.length === 0 && (
              <tr>
                <td colSpan={5} className="usage-table__empty">
                  No events to show.
                </td>
              </tr>
            )}
            {props.events.map((event) => {
              const detail = detailOf(event);
              return (
                <tr key={event.id} data-testid="usage-event-row" data-feature={event.feature}>
                  <td>
                    <span
                      className="usage-swatch"
                      style={{ backgroundColor: FEATURE_COLORS[event.feature] }}
                      aria-hidden="true"
                    />
                    {FEATURE_LABELS[event.feature]}
                    {detail && <span className="usage-table__detail">{detail}</span>}
                  </td>
                  <td className="usage-table__model">{event.model ?? '—'}</td>
                  <td className="usage-table__num">
                    {formatTokens(event.tokensInput, event.tokensOutput)}
                  </td>
                  <td className="usage-table__num">{formatUsd(event.costUsd)}</td>
                  <td>
                    <time dateTime={event.createdAt} title={event.createdAt}>
                      {formatWhen(event.createdAt, now)}
                    </time>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {props.hasMore && (
        <button
          type="button"
          className="usage-button usage-events__more"
          onClick={props.onLoadMore}
          disabled={props.loadingMore}
        >
          {props.loadingMore ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
