/**
 * @module prices
 * The one price table of Atlas: what each STT, LLM and TTS model costs, in US dollars, as of
 * {@link PRICES}`.asOf`. The voice cost meter, usage events and the web app's estimates all read
 * it from here, so a price change is one edit.
 *
 * An unknown model never throws: it is charged at the table's `fallback` rate for its kind, which
 * is the most expensive priced model of that kind, so a typo or a new model over-counts against a
 * session budget rather than letting a session run free. Results say when that happened
 * (`fallback: true`) so callers can log it.
 */

/** Speech-to-text, billed per second of audio but quoted per minute, as vendors do. */
export interface SttPrice {
  readonly usdPerMinute: number;
}

/** A language model, quoted per million tokens. */
export interface LlmPrice {
  readonly usdPerMillionInputTokens: number;
  readonly usdPerMillionOutputTokens: number;
}

/** Text-to-speech, quoted per million input characters. */
export interface TtsPrice {
  readonly usdPerMillionCharacters: number;
}

export interface PriceTable {
  /** The date (YYYY-MM-DD) these list prices were entered; re-check the vendors' pages when editing. */
  readonly asOf: string;
  readonly stt: Readonly<Record<string, SttPrice>>;
  readonly llm: Readonly<Record<string, LlmPrice>>;
  readonly tts: Readonly<Record<string, TtsPrice>>;
  /** Rates for models missing from the table: the most expensive known model of each kind. */
  readonly fallback: {
    readonly stt: SttPrice;
    readonly llm: LlmPrice;
    readonly tts: TtsPrice;
  };
}

export const PRICES: PriceTable = {
  asOf: '2026-11-21',
  stt: {
    // Deepgram pay-as-you-go, streaming, monolingual (shared/reference/provider-protocols.md §4.1,
    // two trackers agreeing, 2026-05/08; Deepgram's own page was not reachable).
    'nova-3': { usdPerMinute: 0.0048 },
    pocketsphinx: { usdPerMinute: 0 },
  },
  llm: {
    // Current Haiku (released 2026-10-07): prompts up to 100k tokens; Atlas's voice prompts are far smaller.
    'claude-haiku-5-5': { usdPerMillionInputTokens: 0.1, usdPerMillionOutputTokens: 0.5 },
    // Legacy, still answering.
    'claude-haiku-4-5': { usdPerMillionInputTokens: 1, usdPerMillionOutputTokens: 5 },
    // Current Sonnet (platform.claude.com models/sonnet-5-5, checked 2026-11-22).
    'claude-sonnet-5-5': { usdPerMillionInputTokens: 2, usdPerMillionOutputTokens: 10 },
    // Deprecated, end of life 2026-11-30: priced for events already recorded with it.
    'claude-sonnet-4-5': { usdPerMillionInputTokens: 3, usdPerMillionOutputTokens: 15 },
    // The default model of the OpenAI-compatible provider.
    'gpt-4o-mini': { usdPerMillionInputTokens: 0.15, usdPerMillionOutputTokens: 0.6 },
    offline: { usdPerMillionInputTokens: 0, usdPerMillionOutputTokens: 0 },
  },
  tts: {
    'tts-1': { usdPerMillionCharacters: 15 },
    // Billed per token (text in, audio out); OpenAI estimates ~$0.015 per minute, which is about
    // the same as tts-1 per character for speech at a normal pace.
    'gpt-4o-mini-tts': { usdPerMillionCharacters: 15 },
    espeak: { usdPerMillionCharacters: 0 },
  },
  fallback: {
    stt: { usdPerMinute: 0.0077 },
    llm: { usdPerMillionInputTokens: 3, usdPerMillionOutputTokens: 15 },
    tts: { usdPerMillionCharacters: 15 },
  },
};

/** A price computed for a quantity of usage. */
export interface PricedCost {
  /** Rounded to 1e-8 USD. */
  readonly usd: number;
  /** The model was not in the table and the conservative fallback rate was used. */
  readonly fallback: boolean;
}

/** Rounds to 1e-8 USD, so sums of many small costs do not show binary float noise. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e8) / 1e8;
}

/** Negative, NaN or infinite quantities count as zero: a metering bug must not crash a call. */
function quantity(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Finds a model's entry. Besides the exact id it accepts a different case, a `vendor/` prefix
 * (`anthropic/claude-haiku-4-5`) and a dated snapshot suffix (`claude-haiku-4-5-20251001`,
 * `gpt-4o-mini-2024-07-18`), which is how providers report the model that actually ran.
 */
function lookup<T>(table: Readonly<Record<string, T>>, model: string): T | undefined {
  const exact = Object.hasOwn(table, model) ? table[model] : undefined;
  if (exact) return exact;
  const normalised = model
    .trim()
    .toLowerCase()
    .replace(/^[\w.-]+\//, '')
    .replace(/-(?:\d{8}|\d{4}-\d{2}-\d{2})$/, '');
  return Object.hasOwn(table, normalised) ? table[normalised] : undefined;
}

/** Whether `model` has its own entry for that kind (otherwise the fallback rate applies). */
export function isPriced(kind: 'stt' | 'llm' | 'tts', model: string): boolean {
  return lookup<unknown>(PRICES[kind], model) !== undefined;
}

/**
 * The cost of `seconds` of audio transcribed by `model`.
 * @example sttCost('nova-3', 60) // { usd: 0.0048, fallback: false }
 */
export function sttCost(model: string, seconds: number): PricedCost {
  const price = lookup(PRICES.stt, model);
  const rate = (price ?? PRICES.fallback.stt).usdPerMinute;
  return { usd: roundUsd((quantity(seconds) * rate) / 60), fallback: price === undefined };
}

/**
 * The cost of one model call (or of several, summed).
 * @example llmCost('claude-haiku-4-5', 1_000, 200) // { usd: 0.002, fallback: false }
 */
export function llmCost(model: string, inputTokens: number, outputTokens: number): PricedCost {
  const price = lookup(PRICES.llm, model);
  const rate = price ?? PRICES.fallback.llm;
  const usd =
    (quantity(inputTokens) * rate.usdPerMillionInputTokens +
      quantity(outputTokens) * rate.usdPerMillionOutputTokens) /
    1e6;
  return { usd: roundUsd(usd), fallback: price === undefined };
}

/**
 * The cost of synthesising `characters` characters of text.
 * @example ttsCost('tts-1', 1_000) // { usd: 0.015, fallback: false }
 */
export function ttsCost(model: string, characters: number): PricedCost {
  const price = lookup(PRICES.tts, model);
  const rate = (price ?? PRICES.fallback.tts).usdPerMillionCharacters;
  return { usd: roundUsd((quantity(characters) * rate) / 1e6), fallback: price === undefined };
}
