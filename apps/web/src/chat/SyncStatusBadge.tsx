/**
 * @module chat/SyncStatusBadge
 * Says whether what is on screen is this device's copy, being synced, up to date, or waiting
 * for the network; `data-state` is what the browser tests read.
 */
import { describeError } from '../api/api-error.js';
import { useSyncStatus } from './chat-context.js';
import type { SyncState } from './sync-engine.js';

const LABELS: Record<SyncState, string> = {
  local: 'On this device',
  syncing: 'Syncing…',
  synced: 'Synced',
  offline: 'Offline',
  error: 'Sync paused',
};

export function SyncStatusBadge() {
  const status = useSyncStatus();
  const detail = status.error === undefined ? LABELS[status.state] : describeError(status.error);
  return (
    <span
      className={`sync-status sync-status--${status.state}`}
      data-testid="sync-status"
      data-state={status.state}
      title={detail}
      role="status"
      aria-live="polite"
    >
      <span className="sync-status__dot" aria-hidden="true" />
      {LABELS[status.state]}
    </span>
  );
}
