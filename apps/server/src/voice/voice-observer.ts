/**
 * @module voice/voice-observer
 * What a session reports for metrics. Sessions call these; the metrics module implements them
 * (a no-op observer keeps tests and tools free of Prometheus).
 */
import type { ErrorCode } from '@atlas/protocol';
import type { TurnMetrics } from './turn-manager.js';

export interface VoiceObserver {
  sessionStarted(resumed: boolean): void;
  /** A connection closed with this code (sessions, and connections refused before one). */
  sessionClosed(closeCode: number, reason: string): void;
  /** A started session ended (pairs with `sessionStarted`, for the active-sessions gauge). */
  sessionEnded(): void;
  turnCompleted(metrics: TurnMetrics): void;
  speculation(outcome: 'kept' | 'discarded'): void;
  error(code: ErrorCode): void;
}

export const NOOP_OBSERVER: VoiceObserver = {
  sessionStarted() {},
  sessionClosed() {},
  sessionEnded() {},
  turnCompleted() {},
  speculation() {},
  error() {},
};
