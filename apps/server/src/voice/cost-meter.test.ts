import { describe, expect, it, vi } from 'vitest';
import { type BudgetSignal, CostMeter, type CostSnapshot } from './cost-meter.js';

const HAIKU = 'claude-haiku-4-5';

describe('CostMeter totals', () => {
  it('starts at zero', () => {
    expect(new CostMeter().snapshot()).toEqual({
      costUsd: 0,
      sttSeconds: 0,
      llmInputTokens: 0,
      llmOutputTokens: 0,
      ttsCharacters: 0,
      sttCostUsd: 0,
      llmCostUsd: 0,
      ttsCostUsd: 0,
      cancelledLlmInputTokens: 0,
      cancelledLlmOutputTokens: 0,
    });
  });

  it('adds STT, LLM and TTS usage at the table prices', () => {
    const meter = new CostMeter();
    meter.addStt(60, 'nova-3');
    meter.addLlm({ inputTokens: 1_000, outputTokens: 200, model: HAIKU });
    meter.addTts(1_000, 'tts-1');
    expect(meter.snapshot()).toMatchObject({
      sttSeconds: 60,
      sttCostUsd: 0.0048,
      llmInputTokens: 1_000,
      llmOutputTokens: 200,
      llmCostUsd: 0.002,
      ttsCharacters: 1_000,
      ttsCostUsd: 0.015,
      costUsd: 0.0218,
    });
  });

  it('does not drift over many 100 ms additions', () => {
    const meter = new CostMeter();
    // 30 minutes of 100 ms frames.
    for (let i = 0; i < 18_000; i++) meter.addStt(0.1, 'nova-3');
    const snapshot = meter.snapshot();
    expect(snapshot.sttSeconds).toBe(1_800);
    expect(snapshot.sttCostUsd).toBe(0.144);
    expect(snapshot.costUsd).toBe(0.144);
  });

  it('keeps models apart, each at its own price', () => {
    const meter = new CostMeter();
    meter.addLlm({ inputTokens: 1_000_000, outputTokens: 0, model: HAIKU });
    meter.addLlm({ inputTokens: 1_000_000, outputTokens: 0, model: 'claude-sonnet-4-5' });
    meter.addStt(600, 'pocketsphinx');
    meter.addTts(10_000, 'espeak');
    expect(meter.snapshot()).toMatchObject({ llmCostUsd: 4, sttCostUsd: 0, ttsCostUsd: 0 });
  });

  it('counts cancelled speculative runs in the cost and on their own', () => {
    const meter = new CostMeter();
    meter.addLlm({ inputTokens: 1_000, outputTokens: 50, model: HAIKU, cancelled: true });
    meter.addLlm({ inputTokens: 1_000, outputTokens: 150, model: HAIKU });
    expect(meter.snapshot()).toMatchObject({
      llmInputTokens: 2_000,
      llmOutputTokens: 200,
      cancelledLlmInputTokens: 1_000,
      cancelledLlmOutputTokens: 50,
      llmCostUsd: 0.003,
    });
  });

  it('ignores negative and non-finite quantities', () => {
    const meter = new CostMeter();
    meter.addStt(-5, 'nova-3');
    meter.addTts(Number.NaN, 'tts-1');
    meter.addLlm({ inputTokens: Number.POSITIVE_INFINITY, outputTokens: -1, model: HAIKU });
    expect(meter.snapshot().costUsd).toBe(0);
    expect(meter.snapshot().llmInputTokens).toBe(0);
  });

  it('charges unknown models at the fallback rate and reports each once', () => {
    const onUnpricedModel = vi.fn();
    const meter = new CostMeter({ onUnpricedModel });
    meter.addLlm({ inputTokens: 1_000_000, outputTokens: 0, model: 'future-model' });
    meter.addLlm({ inputTokens: 1_000_000, outputTokens: 0, model: 'future-model' });
    meter.addTts(100, 'tts-1');
    expect(meter.snapshot().llmCostUsd).toBe(6);
    expect(onUnpricedModel.mock.calls).toEqual([['llm', 'future-model']]);
  });
});

describe('CostMeter budget', () => {
  // Sonnet output tokens cost $15 per million: 10,000 tokens are $0.15.
  const spend = (meter: CostMeter, usd: number): BudgetSignal =>
    meter.addLlm({ inputTokens: 0, outputTokens: (usd / 15) * 1e6, model: 'claude-sonnet-4-5' });

  it('signals the warning once, then the limit once', () => {
    const meter = new CostMeter({ maxCostUsd: 1 });
    const signals = [0.5, 0.2, 0.1, 0.05, 0.1, 0.05, 0.1].map((usd) => spend(meter, usd));
    // Totals: 0.5, 0.7, 0.8 (warning), 0.85, 0.95, 1.0 (exceeded), 1.1.
    expect(signals).toEqual(['ok', 'ok', 'warning', 'ok', 'ok', 'exceeded', 'ok']);
    expect(meter.state).toBe('exceeded');
  });

  it('uses the protocol defaults: $5 and 80 %', () => {
    const meter = new CostMeter();
    expect(meter.maxCostUsd).toBe(5);
    expect(meter.warningFraction).toBe(0.8);
    expect(spend(meter, 3.99)).toBe('ok');
    expect(meter.state).toBe('ok');
    expect(spend(meter, 0.01)).toBe('warning');
    expect(meter.state).toBe('warning');
  });

  it('reports only the limit when one addition crosses both lines', () => {
    const meter = new CostMeter({ maxCostUsd: 1, warningFraction: 0.5 });
    expect(spend(meter, 1.2)).toBe('exceeded');
    expect(spend(meter, 0.1)).toBe('ok');
  });

  it('rejects a budget that cannot work', () => {
    expect(() => new CostMeter({ maxCostUsd: 0 })).toThrow(RangeError);
    expect(() => new CostMeter({ maxCostUsd: Number.NaN })).toThrow(RangeError);
    expect(() => new CostMeter({ warningFraction: 0 })).toThrow(RangeError);
    expect(() => new CostMeter({ warningFraction: 1.5 })).toThrow(RangeError);
  });
});

describe('CostMeter restore', () => {
  it('continues from a snapshot', () => {
    const first = new CostMeter();
    first.addStt(30, 'nova-3');
    first.addLlm({ inputTokens: 500, outputTokens: 100, model: HAIKU, cancelled: true });
    first.addTts(400, 'tts-1');
    const saved: CostSnapshot = first.snapshot();

    const resumed = new CostMeter({ restore: saved });
    expect(resumed.snapshot()).toEqual(saved);
    resumed.addStt(30, 'nova-3');
    resumed.addLlm({ inputTokens: 500, outputTokens: 100, model: HAIKU });
    resumed.addTts(600, 'tts-1');
    expect(resumed.snapshot()).toMatchObject({
      sttSeconds: 60,
      sttCostUsd: 0.0048,
      llmInputTokens: 1_000,
      llmOutputTokens: 200,
      llmCostUsd: 0.002,
      ttsCharacters: 1_000,
      ttsCostUsd: 0.015,
      costUsd: 0.0218,
      cancelledLlmInputTokens: 500,
      cancelledLlmOutputTokens: 100,
    });
  });

  it('survives a JSON round trip (resume tickets live in Redis)', () => {
    const first = new CostMeter();
    first.addLlm({ inputTokens: 12_345, outputTokens: 678, model: 'gpt-4o-mini' });
    const saved = JSON.parse(JSON.stringify(first.snapshot())) as CostSnapshot;
    expect(new CostMeter({ restore: saved }).snapshot()).toEqual(first.snapshot());
  });

  it('does not warn again after a restore past the warning line', () => {
    const meter = new CostMeter({
      maxCostUsd: 1,
      restore: { ...new CostMeter().snapshot(), costUsd: 0.9, llmCostUsd: 0.9 },
    });
    expect(meter.state).toBe('warning');
    expect(meter.addTts(1_000, 'tts-1')).toBe('ok');
    expect(meter.snapshot().costUsd).toBe(0.915);
  });

  it('is exceeded at once when restored at the limit', () => {
    const meter = new CostMeter({
      maxCostUsd: 1,
      restore: { ...new CostMeter().snapshot(), costUsd: 1, sttCostUsd: 1 },
    });
    expect(meter.state).toBe('exceeded');
  });
});
