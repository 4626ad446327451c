import { describe, expect, it } from 'vitest';
import { isPriced, llmCost, PRICES, roundUsd, sttCost, ttsCost } from './prices.js';
import { MODEL_MAP } from './tiers.js';

describe('price table', () => {
  it('has a valid asOf date', () => {
    expect(PRICES.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number.isNaN(Date.parse(PRICES.asOf))).toBe(false);
  });

  it('prices every model the model map names', () => {
    for (const models of Object.values(MODEL_MAP)) {
      expect(isPriced('llm', models.chat)).toBe(true);
      if (models.voice !== null) expect(isPriced('llm', models.voice)).toBe(true);
    }
  });

  it('falls back to a rate at least as high as every priced model of its kind', () => {
    for (const price of Object.values(PRICES.stt))
      expect(PRICES.fallback.stt.usdPerMinute).toBeGreaterThanOrEqual(price.usdPerMinute);
    for (const price of Object.values(PRICES.llm)) {
      expect(PRICES.fallback.llm.usdPerMillionInputTokens).toBeGreaterThanOrEqual(
        price.usdPerMillionInputTokens,
      );
      expect(PRICES.fallback.llm.usdPerMillionOutputTokens).toBeGreaterThanOrEqual(
        price.usdPerMillionOutputTokens,
      );
    }
    for (const price of Object.values(PRICES.tts))
      expect(PRICES.fallback.tts.usdPerMillionCharacters).toBeGreaterThanOrEqual(
        price.usdPerMillionCharacters,
      );
  });
});

describe('sttCost', () => {
  it('charges Deepgram nova-3 per minute, prorated by the second', () => {
    expect(sttCost('nova-3', 60)).toEqual({ usd: 0.0048, fallback: false });
    expect(sttCost('nova-3', 90).usd).toBe(0.0072);
    expect(sttCost('nova-3', 1).usd).toBe(0.00008);
  });

  it('charges nothing for the offline recogniser', () => {
    expect(sttCost('pocketsphinx', 3600)).toEqual({ usd: 0, fallback: false });
  });
});

describe('llmCost', () => {
  it('charges input and output tokens at their own rates', () => {
    expect(llmCost('claude-haiku-4-5', 1_000_000, 0).usd).toBe(1);
    expect(llmCost('claude-haiku-4-5', 0, 1_000_000).usd).toBe(5);
    expect(llmCost('claude-haiku-4-5', 1_000, 200)).toEqual({ usd: 0.002, fallback: false });
    expect(llmCost('claude-sonnet-4-5', 1_000, 200).usd).toBe(0.006);
    expect(llmCost('claude-sonnet-5-5', 1_000, 200).usd).toBe(0.004);
    expect(llmCost('gpt-4o-mini', 1_000, 1_000).usd).toBe(0.00075);
    expect(llmCost('offline', 50_000, 50_000).usd).toBe(0);
  });

  it('has no float noise for amounts that are exact in decimal', () => {
    // 0.15 and 0.6 are not exact in binary; unrounded, 7 * 0.15 / 1e6 is 1.0500000000000001e-6.
    expect(llmCost('gpt-4o-mini', 7, 0).usd).toBe(0.00000105);
    expect(llmCost('gpt-4o-mini', 3, 3).usd).toBe(0.00000225);
  });

  it('recognises dated snapshots, vendor prefixes and other cases', () => {
    expect(llmCost('claude-haiku-4-5-20251001', 1_000_000, 0)).toEqual({ usd: 1, fallback: false });
    expect(llmCost('gpt-4o-mini-2024-07-18', 1_000_000, 0).fallback).toBe(false);
    expect(llmCost('anthropic/claude-sonnet-4-5', 1_000_000, 0).usd).toBe(3);
    expect(llmCost('Claude-Haiku-4-5', 0, 0).fallback).toBe(false);
  });

  it('charges an unknown model at the conservative fallback and says so', () => {
    const cost = llmCost('some-new-model', 1_000_000, 1_000_000);
    expect(cost).toEqual({ usd: 18, fallback: true });
    expect(isPriced('llm', 'some-new-model')).toBe(false);
    // Inherited object keys are not models.
    expect(llmCost('constructor', 0, 0).fallback).toBe(true);
  });

  it('counts negative or non-finite quantities as zero', () => {
    expect(llmCost('claude-haiku-4-5', -5, Number.NaN).usd).toBe(0);
    expect(llmCost('claude-haiku-4-5', Number.POSITIVE_INFINITY, 0).usd).toBe(0);
  });
});

describe('ttsCost', () => {
  it('charges per character', () => {
    expect(ttsCost('tts-1', 1_000)).toEqual({ usd: 0.015, fallback: false });
    expect(ttsCost('gpt-4o-mini-tts', 1_000_000).usd).toBe(15);
    expect(ttsCost('espeak', 1_000_000).usd).toBe(0);
  });

  it('falls back for unknown voices', () => {
    expect(ttsCost('mystery-tts', 1_000)).toEqual({ usd: 0.015, fallback: true });
    expect(sttCost('mystery-stt', 60)).toEqual({ usd: 0.0077, fallback: true });
  });
});

describe('roundUsd', () => {
  it('rounds to 1e-8', () => {
    expect(roundUsd(0.1 + 0.2)).toBe(0.3);
    expect(roundUsd(0.123456789)).toBe(0.12345679);
  });
});
