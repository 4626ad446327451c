import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { errorHandler } from '../http/error-handler.js';
import { createMetrics, type MetricsRoutesOptions, metricsRoutes } from './metrics.js';

const apps: FastifyInstance[] = [];

async function appWith(options: MetricsRoutesOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setErrorHandler(errorHandler);
  await app.register(metricsRoutes, options);
  await app.ready();
  apps.push(app);
  return app;
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe('voice metrics', () => {
  it('serves observed values at /metrics in the Prometheus text format', async () => {
    const metrics = createMetrics();
    metrics.e2e.observe(640);
    metrics.e2e.observe(1_200);
    metrics.llmTtft.observe(35);
    metrics.sttFirstPartial.observe(180);
    metrics.endOfSpeechToFinal.observe(90);
    metrics.ttsTtfb.observe(120);
    metrics.sessionsStarted.inc(false);
    metrics.sessionsStarted.inc(true);
    metrics.sessionsStarted.inc(true);
    metrics.sessionsClosed.inc(4008);
    metrics.speculativeCancelled.inc();
    metrics.speculativeHits.inc();
    metrics.speculativeHits.inc();
    metrics.errors.inc('bad_audio_chunk');
    metrics.providerFailovers.inc('llm', 'anthropic', 'openai');
    metrics.activeSessions.inc();
    metrics.activeSessions.inc();
    metrics.activeSessions.dec();

    const app = await appWith({ metrics });
    const response = await app.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;

    // Milliseconds in, seconds out.
    expect(Number(/^atlas_voice_e2e_seconds_sum (\S+)$/m.exec(text)?.[1])).toBeCloseTo(1.84, 9);
    expect(text).toContain('atlas_voice_e2e_seconds_count 2');
    expect(text).toContain('atlas_voice_e2e_seconds_bucket{le="0.75"} 1');
    expect(text).toContain('atlas_voice_e2e_seconds_bucket{le="1.5"} 2');
    expect(text).toContain('atlas_voice_llm_ttft_seconds_bucket{le="0.05"} 1');
    expect(text).toContain('atlas_voice_llm_ttft_seconds_bucket{le="0.025"} 0');
    expect(text).toContain('atlas_voice_stt_first_partial_seconds_count 1');
    expect(text).toContain('atlas_voice_end_of_speech_to_final_seconds_count 1');
    expect(Number(/^atlas_voice_tts_ttfb_seconds_sum (\S+)$/m.exec(text)?.[1])).toBeCloseTo(
      0.12,
      9,
    );

    expect(text).toContain('atlas_voice_sessions_started_total{resumed="false"} 1');
    expect(text).toContain('atlas_voice_sessions_started_total{resumed="true"} 2');
    expect(text).toContain('atlas_voice_sessions_closed_total{code="4008"} 1');
    expect(text).toContain('atlas_voice_speculative_cancelled_total 1');
    expect(text).toContain('atlas_voice_speculative_hits_total 2');
    expect(text).toContain('atlas_errors_total{code="bad_audio_chunk"} 1');
    expect(text).toContain(
      'atlas_provider_failovers_total{kind="llm",from="anthropic",to="openai"} 1',
    );
    expect(text).toContain('atlas_voice_active_sessions 1');
    // Default process metrics are in the same registry.
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('lists known label values at zero before anything happens', async () => {
    const text = await createMetrics({ defaultMetrics: false }).registry.metrics();
    expect(text).toContain('atlas_voice_sessions_closed_total{code="1000"} 0');
    expect(text).toContain('atlas_voice_sessions_closed_total{code="4029"} 0');
    expect(text).toContain('atlas_errors_total{code="rate_limited"} 0');
    expect(text).toContain('atlas_voice_sessions_started_total{resumed="true"} 0');
    expect(text).not.toContain('process_cpu_user_seconds_total');
  });

  it('ignores durations that cannot be real', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.e2e.observe(Number.NaN);
    metrics.e2e.observe(-5);
    metrics.e2e.observe(Number.POSITIVE_INFINITY);
    expect(await metrics.registry.metrics()).toContain('atlas_voice_e2e_seconds_count 0');
  });

  it('keeps registries apart, so two apps in one process do not collide', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.speculativeHits.inc();
    expect(await a.registry.metrics()).toContain('atlas_voice_speculative_hits_total 1');
    expect(await b.registry.metrics()).toContain('atlas_voice_speculative_hits_total 0');
  });

  it('puts default labels on every series', async () => {
    const metrics = createMetrics({ defaultMetrics: false, defaultLabels: { instance: 'gw-1' } });
    metrics.speculativeHits.inc();
    expect(await metrics.registry.metrics()).toContain(
      'atlas_voice_speculative_hits_total{instance="gw-1"} 1',
    );
  });

  it('asks for the bearer token when one is configured', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const app = await appWith({ metrics, bearerToken: 'scrape-secret' });
    expect((await app.inject('/metrics')).statusCode).toBe(401);
    const wrong = await app.inject({
      url: '/metrics',
      headers: { authorization: 'Bearer scrape-secreT' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'unauthorized' });
    const right = await app.inject({
      url: '/metrics',
      headers: { authorization: 'Bearer scrape-secret' },
    });
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain('atlas_voice_active_sessions 0');
  });
});
