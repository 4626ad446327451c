/**
 * @module bench/floor
 * The provider floor: for a latency profile and a mode, the sum of the provider delays on the
 * critical path of each stage, i.e. what an ideal gateway adding nothing would measure. What
 * Atlas measures above it is Atlas's own time.
 *
 * Stages are measured at the client: the first partial from the first speech frame sent, the
 * others from the last speech frame sent (end of speech).
 *
 * - STT: results come `lagMs` after the audio they describe; interim results every
 *   `partialEveryMs` of audio (the first once that much speech has arrived, counted in whole
 *   frames); the final after `endpointingMs` of silence. Endpointing is the value Atlas asks
 *   Deepgram for, which overrides the profile's.
 * - V2 waiting for the final: final, then LLM first token, then the first sentence streamed,
 *   then TTS first byte.
 * - V2 speculative: the LLM (and TTS of the first sentence) can run during endpointing, but
 *   nothing is released before the final: `lag + max(endpointing, LLM + sentence + TTS)`.
 * - V1 (batch): the recording is uploaded once the client's turn ends; the fake's pre-recorded
 *   transcription answers at once; the whole reply is streamed before it is spoken, and the
 *   spoken reply is one WAV, sent when the TTS has synthesised all of it. Hands-free (`v1`, what
 *   the web app does unless the user presses a button) the turn ends after `v1SilenceMs` of
 *   silence, the way V2's ends after Deepgram's endpointing; `v1-button` is the same turn with
 *   "Done speaking" pressed the instant the speech ends, a lower bound no user reaches.
 */
import type { LatencyProfile } from '@atlas/fakes';
import { firstSentenceMs, wholeReplyMs, wholeSynthesisMs } from './bench-reply.js';

export const MODES = ['v1', 'v1-button', 'v2-final', 'v2-speculative'] as const;
export type Mode = (typeof MODES)[number];

export const STAGES = ['firstPartial', 'final', 'firstText', 'firstAudio'] as const;
export type Stage = (typeof STAGES)[number];

export type StageFloors = Record<Stage, number | null>;

export interface FloorInput {
  readonly profile: LatencyProfile;
  /** Endpointing Atlas requests from Deepgram, ms. */
  readonly endpointingMs: number;
  /** Silence after which the V1 client ends a hands-free turn, ms. */
  readonly v1SilenceMs: number;
  readonly frameMs: number;
  /** The reply the fake LLM streams (its first sentence and length matter). */
  readonly reply: string;
}

export function providerFloor(mode: Mode, input: FloorInput): StageFloors {
  const { profile, endpointingMs, v1SilenceMs, frameMs, reply } = input;
  const { lagMs, partialEveryMs } = profile.stt;
  const ttft = profile.llm.timeToFirstTokenMs;
  const ttfb = profile.tts.timeToFirstByteMs;
  const sentence = firstSentenceMs(reply, profile);
  if (mode === 'v1' || mode === 'v1-button') {
    const upload = mode === 'v1' ? v1SilenceMs : 0;
    return {
      firstPartial: null,
      final: upload,
      firstText: upload + ttft,
      firstAudio: upload + ttft + wholeReplyMs(reply, profile) + wholeSynthesisMs(reply, profile),
    };
  }
  const firstPartial = lagMs + Math.max(0, Math.ceil(partialEveryMs / frameMs) - 1) * frameMs;
  const final = endpointingMs + lagMs;
  if (mode === 'v2-final') {
    return {
      firstPartial,
      final,
      firstText: final + ttft,
      firstAudio: final + ttft + sentence + ttfb,
    };
  }
  return {
    firstPartial,
    final,
    firstText: lagMs + Math.max(endpointingMs, ttft),
    firstAudio: lagMs + Math.max(endpointingMs, ttft + sentence + ttfb),
  };
}
