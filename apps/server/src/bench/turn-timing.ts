/**
 * @module bench/turn-timing
 * One measured user turn, as every benchmark client reports it. Stage times are ms at the
 * client: the first partial from the first speech frame sent; the rest from the last speech
 * frame sent (end of speech). `null` means the stage did not happen.
 */
import type { Mode } from './floor.js';

export interface TurnTiming {
  readonly mode: Mode;
  readonly utterance: string;
  readonly firstPartialMs: number | null;
  readonly finalMs: number | null;
  readonly firstTextMs: number | null;
  readonly firstAudioMs: number | null;
  /** The gateway's own `turn_metrics.e2eMs` (its end of speech is the last partial change). */
  readonly serverE2eMs: number | null;
  /** The gateway's `llmTtftMs` and `ttsTtfbMs`: provider times as Atlas saw them. */
  readonly serverLlmTtftMs: number | null;
  readonly serverTtsTtfbMs: number | null;
  /** Whether the released reply had been generated speculatively. */
  readonly speculative: boolean | null;
  /** The final transcript was the sentence spoken (normalised). */
  readonly heardRight: boolean;
  /** Why the turn did not complete, if it did not. */
  readonly error?: string;
}

/** Lower case, no punctuation, single spaces: how transcripts are compared. */
export function normalizeWords(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
