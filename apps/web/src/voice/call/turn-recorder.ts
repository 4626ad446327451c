/**
 * @module voice/call/turn-recorder
 * Records one user turn for the V1 path from 100 ms frames: listening frames are kept as a
 * short pre-roll (the detector needs ~200 ms of speech to fire, and those first syllables
 * belong to the turn), and the turn is complete at ~800 ms of silence, at the length cap, or
 * when the user presses "Done speaking".
 */
import { VOICE_DEFAULTS } from '@atlas/protocol';
import type { CapturedFrame } from '../audio/capture-pipeline.js';
import { SpeechDetector, type SpeechDetectorOptions } from '../audio/speech-detector.js';

export const PRE_ROLL_FRAMES = 5;
/** A turn longer than this is sent as it is (30 s of PCM16 at 16 kHz is under 1 MB). */
export const MAX_TURN_FRAMES = 300;

export type RecorderEvent = 'speech_start' | 'turn_complete' | undefined;

export class TurnRecorder {
  readonly #detector: SpeechDetector;
  #frames: ArrayBuffer[] = [];
  #recording = false;

  constructor(detector: SpeechDetectorOptions = {}) {
    this.#detector = new SpeechDetector(detector);
  }

  get recording(): boolean {
    return this.#recording;
  }

  push(frame: CapturedFrame): RecorderEvent {
    this.#frames.push(frame.pcm);
    const event = this.#detector.push(frame.level, VOICE_DEFAULTS.frameMs);
    if (!this.#recording) {
      if (this.#frames.length > PRE_ROLL_FRAMES) this.#frames.shift();
      if (event === 'speech_start') {
        this.#recording = true;
        return 'speech_start';
      }
      return undefined;
    }
    if (event === 'speech_end' || this.#frames.length >= MAX_TURN_FRAMES) return 'turn_complete';
    return undefined;
  }

  /** The turn so far as one PCM16 buffer; the recorder starts listening afresh. */
  take(): Uint8Array {
    const total = this.#frames.reduce((sum, frame) => sum + frame.byteLength, 0);
    const pcm = new Uint8Array(total);
    let offset = 0;
    for (const frame of this.#frames) {
      pcm.set(new Uint8Array(frame), offset);
      offset += frame.byteLength;
    }
    this.reset();
    return pcm;
  }

  reset(): void {
    this.#frames = [];
    this.#recording = false;
    this.#detector.reset();
  }
}
