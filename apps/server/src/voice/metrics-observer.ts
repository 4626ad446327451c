/**
 * @module voice/metrics-observer
 * Feeds session events into the Prometheus metrics (`/metrics`).
 */
import type { VoiceMetrics } from '../observability/metrics.js';
import type { VoiceObserver } from './voice-observer.js';

export function metricsObserver(metrics: VoiceMetrics): VoiceObserver {
  return {
    sessionStarted(resumed) {
      metrics.sessionsStarted.inc(resumed);
      metrics.activeSessions.inc();
    },
    sessionClosed(closeCode) {
      metrics.sessionsClosed.inc(closeCode);
    },
    sessionEnded() {
      metrics.activeSessions.dec();
    },
    turnCompleted(turn) {
      if (turn.sttFirstPartialMs !== null) metrics.sttFirstPartial.observe(turn.sttFirstPartialMs);
      if (turn.endOfSpeechToFinalMs !== null)
        metrics.endOfSpeechToFinal.observe(turn.endOfSpeechToFinalMs);
      if (turn.llmTtftMs !== null) metrics.llmTtft.observe(turn.llmTtftMs);
      if (turn.ttsTtfbMs !== null) metrics.ttsTtfb.observe(turn.ttsTtfbMs);
      if (turn.e2eMs !== null) metrics.e2e.observe(turn.e2eMs);
    },
    speculation(outcome) {
      if (outcome === 'kept') metrics.speculativeHits.inc();
      else metrics.speculativeCancelled.inc();
    },
    error(code) {
      metrics.errors.inc(code);
    },
  };
}
