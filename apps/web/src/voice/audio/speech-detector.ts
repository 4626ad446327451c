/**
 * @module voice/audio/speech-detector
 * A level-based speech detector over 100 ms frame levels: speech starts after the level stays
 * above a threshold for a short while (so a click or a cough does not count) and ends after
 * ~800 ms below it. Used to end a V1 turn and to notice barge-in during playback. Pure: it is
 * fed levels and frame durations, never reads a clock.
 */
import { VOICE_DEFAULTS } from '@atlas/protocol';

export interface SpeechDetectorOptions {
  /** RMS level (0..1) above which a frame counts as speech. */
  threshold?: number;
  /** Speech this long (ms) is needed before `speech_start`. */
  minSpeechMs?: number;
  /** Silence this long (ms) after speech is `speech_end`. */
  silenceMs?: number;
}

export type SpeechEvent = 'speech_start' | 'speech_end' | undefined;

export const SPEECH_DEFAULTS = {
  threshold: 0.02,
  minSpeechMs: 200,
  silenceMs: VOICE_DEFAULTS.v1TurnEndSilenceMs,
} as const;

export class SpeechDetector {
  readonly #threshold: number;
  readonly #minSpeechMs: number;
  readonly #silenceMs: number;
  #speaking = false;
  #loudMs = 0;
  #quietMs = 0;

  constructor(options: SpeechDetectorOptions = {}) {
    this.#threshold = options.threshold ?? SPEECH_DEFAULTS.threshold;
    this.#minSpeechMs = options.minSpeechMs ?? SPEECH_DEFAULTS.minSpeechMs;
    this.#silenceMs = options.silenceMs ?? SPEECH_DEFAULTS.silenceMs;
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  /** Feeds one frame's level; returns the event it caused, if any. */
  push(level: number, frameMs: number): SpeechEvent {
    const loud = level >= this.#threshold;
    if (!this.#speaking) {
      this.#loudMs = loud ? this.#loudMs + frameMs : 0;
      if (this.#loudMs >= this.#minSpeechMs) {
        this.#speaking = true;
        this.#quietMs = 0;
        return 'speech_start';
      }
      return undefined;
    }
    this.#quietMs = loud ? 0 : this.#quietMs + frameMs;
    if (this.#quietMs >= this.#silenceMs) {
      this.reset();
      return 'speech_end';
    }
    return undefined;
  }

  reset(): void {
    this.#speaking = false;
    this.#loudMs = 0;
    this.#quietMs = 0;
  }
}
