/**
 * @module voice/call/call-session
 * The contract both voice paths (V2 real-time, V1 batch fallback) implement, so the voice
 * service can switch between them without the view knowing.
 */
import type { CapturedFrame } from '../audio/capture-pipeline.js';
import type { CallAction } from './call-state.js';

export type Dispatch = (action: CallAction) => void;

export interface CallSession {
  /** One 100 ms microphone frame (PCM16 at 16 kHz) with its level. */
  onFrame(frame: CapturedFrame): void;
  /** The user pressed Interrupt: stop the reply now. */
  interrupt(): void;
  /** The user pressed "Done speaking" (the V1 path ends the turn; V2 relies on the server). */
  doneSpeaking(): void;
  /** Orderly end of the call. */
  end(): void;
  /** Immediate teardown (unmount): no waiting for the server. */
  dispose(): void;
}

/** Barge-in: louder than the normal speech threshold, since the assistant's voice may leak in. */
export const BARGE_IN = { threshold: 0.05, minSpeechMs: 300, silenceMs: 400 } as const;
