/**
 * @module observability/metrics
 * Prometheus metrics of the voice gateway and the `GET /metrics` route that serves them.
 *
 * Each app gets its own prom-client `Registry` (never the global one), so tests and several apps
 * in one process do not collide on metric names. Callers get a typed {@link VoiceMetrics} object:
 * stage latencies are observed in milliseconds, as everywhere in Atlas, and exported in seconds,
 * as Prometheus expects. Label values are constrained by type, so a caller cannot create an
 * unbounded number of series by accident.
 */
import { timingSafeEqual } from 'node:crypto';
import { ERROR_CATALOGUE, type ErrorCode, VOICE_CLOSE_CODES } from '@atlas/protocol';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { AtlasError } from '../errors.js';

/** From 10 ms to 10 s: voice stages live between a few tens of ms and a few seconds. */
export const STAGE_BUCKETS_SECONDS: readonly number[] = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10,
];

export type ProviderKind = 'stt' | 'llm' | 'tts';

/** A latency histogram that takes milliseconds. */
export interface StageHistogram {
  /** Records one duration in ms; negative or non-finite values (a missing timestamp) are ignored. */
  observe(ms: number): void;
}

export interface VoiceMetrics {
  readonly registry: Registry;
  /** Start of user speech → first partial transcript. */
  readonly sttFirstPartial: StageHistogram;
  /** End of user speech → final transcript. */
  readonly endOfSpeechToFinal: StageHistogram;
  /** LLM request → first token. */
  readonly llmTtft: StageHistogram;
  /** TTS request → first audio byte. */
  readonly ttsTtfb: StageHistogram;
  /** End of user speech → first reply audio frame sent. */
  readonly e2e: StageHistogram;
  readonly sessionsStarted: { inc(resumed: boolean): void };
  readonly sessionsClosed: { inc(code: number): void };
  /** Speculative replies cancelled because the final transcript differed (or the user spoke on). */
  readonly speculativeCancelled: { inc(): void };
  /** Speculative replies that matched the final transcript and were used. */
  readonly speculativeHits: { inc(): void };
  readonly errors: { inc(code: ErrorCode): void };
  readonly providerFailovers: { inc(kind: ProviderKind, from: string, to: string): void };
  /** Calls to a provider retried after a retryable failure (429, 5xx, 529, timeouts). */
  readonly providerRetries: { inc(kind: ProviderKind, provider: string): void };
  readonly activeSessions: { inc(): void; dec(): void };
}

export interface MetricsOptions {
  /** Collect Node process metrics (CPU, memory, event-loop lag, GC) too; on by default. */
  readonly defaultMetrics?: boolean;
  /** Labels put on every series, e.g. `{ instance: 'gw-1' }`. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
}

function stage(registry: Registry, name: string, help: string): StageHistogram {
  const histogram = new Histogram({
    name,
    help,
    buckets: [...STAGE_BUCKETS_SECONDS],
    registers: [registry],
  });
  return {
    observe(ms: number): void {
      if (Number.isFinite(ms) && ms >= 0) histogram.observe(ms / 1000);
    },
  };
}

/**
 * @example
 * const metrics = createMetrics();
 * metrics.e2e.observe(640);
 * await app.register(metricsRoutes, { metrics });
 */
export function createMetrics(options: MetricsOptions = {}): VoiceMetrics {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const started = new Counter({
    name: 'atlas_voice_sessions_started_total',
    help: 'Voice sessions started, by whether they resumed an earlier session.',
    labelNames: ['resumed'] as const,
    registers,
  });
  const closed = new Counter({
    name: 'atlas_voice_sessions_closed_total',
    help: 'Voice sessions closed, by WebSocket close code.',
    labelNames: ['code'] as const,
    registers,
  });
  const cancelled = new Counter({
    name: 'atlas_voice_speculative_cancelled_total',
    help: 'Speculative replies cancelled before use.',
    registers,
  });
  const hits = new Counter({
    name: 'atlas_voice_speculative_hits_total',
    help: 'Speculative replies used because the final transcript matched.',
    registers,
  });
  const errors = new Counter({
    name: 'atlas_errors_total',
    help: 'Errors reported to clients, by error code.',
    labelNames: ['code'] as const,
    registers,
  });
  const failovers = new Counter({
    name: 'atlas_provider_failovers_total',
    help: 'Switches from a failing provider to another, by capability.',
    labelNames: ['kind', 'from', 'to'] as const,
    registers,
  });
  const retries = new Counter({
    name: 'atlas_provider_retries_total',
    help: 'Provider calls retried after a retryable failure.',
    labelNames: ['kind', 'provider'] as const,
    registers,
  });
  const active = new Gauge({
    name: 'atlas_voice_active_sessions',
    help: 'Voice sessions open on this instance.',
    registers,
  });

  // Known label values start at zero, so rates and alerts work before the first event.
  for (const resumed of ['false', 'true']) started.labels(resumed).inc(0);
  for (const code of Object.values(VOICE_CLOSE_CODES)) closed.labels(String(code)).inc(0);
  for (const code of Object.keys(ERROR_CATALOGUE)) errors.labels(code).inc(0);

  return {
    registry,
    sttFirstPartial: stage(
      registry,
      'atlas_voice_stt_first_partial_seconds',
      'Start of user speech to first partial transcript.',
    ),
    endOfSpeechToFinal: stage(
      registry,
      'atlas_voice_end_of_speech_to_final_seconds',
      'End of user speech to final transcript.',
    ),
    llmTtft: stage(registry, 'atlas_voice_llm_ttft_seconds', 'LLM request to first token.'),
    ttsTtfb: stage(registry, 'atlas_voice_tts_ttfb_seconds', 'TTS request to first audio byte.'),
    e2e: stage(
      registry,
      'atlas_voice_e2e_seconds',
      'End of user speech to first reply audio frame sent.',
    ),
    sessionsStarted: { inc: (resumed) => started.labels(String(resumed)).inc() },
    sessionsClosed: { inc: (code) => closed.labels(String(code)).inc() },
    speculativeCancelled: { inc: () => cancelled.inc() },
    speculativeHits: { inc: () => hits.inc() },
    errors: { inc: (code) => errors.labels(code).inc() },
    providerFailovers: { inc: (kind, from, to) => failovers.labels(kind, from, to).inc() },
    providerRetries: { inc: (kind, provider) => retries.labels(kind, provider).inc() },
    activeSessions: { inc: () => active.inc(), dec: () => active.dec() },
  };
}

export interface MetricsRoutesOptions {
  readonly metrics: VoiceMetrics;
  /**
   * When set, scrapers must send `Authorization: Bearer <token>`: metrics reveal traffic and
   * error rates, so a public deployment should not serve them to anyone.
   */
  readonly bearerToken?: string;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Fastify plugin: `GET /metrics` in the Prometheus text format. */
export async function metricsRoutes(
  app: FastifyInstance,
  options: MetricsRoutesOptions,
): Promise<void> {
  const { registry } = options.metrics;
  const expected = options.bearerToken;

  app.get('/metrics', async (request, reply) => {
    if (expected !== undefined) {
      const header = request.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      if (!sameSecret(token, expected)) throw new AtlasError('unauthorized');
    }
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
}
