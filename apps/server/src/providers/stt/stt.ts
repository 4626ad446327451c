/**
 * @module providers/stt/stt
 * The streaming speech-to-text contract. A session opens one stream, pushes 100 ms PCM16 frames
 * into it, and receives events through one callback (no per-frame promises or allocations).
 *
 * Event semantics follow Deepgram's live API, which the other providers imitate:
 * - `partial`: the current hypothesis of the whole turn so far (finalised segments + interim).
 * - `final`: a segment that will not change any more, with its confidence.
 * - `utterance_end`: the speaker finished the turn; the turn's text is the finals since the
 *   previous utterance end.
 */
import type { ProviderError } from '../provider-error.js';

export interface SttCapabilities {
  /** Partial (interim) hypotheses while the user speaks. */
  readonly interimResults: boolean;
  /** Emits `speech_started` from a voice-activity detector. */
  readonly vadEvents: boolean;
  /** Input sample rate the stream expects (PCM16 mono). */
  readonly sampleRate: number;
}

export type SttEvent =
  | { readonly type: 'speech_started' }
  | { readonly type: 'partial'; readonly text: string; readonly confidence: number }
  | { readonly type: 'final'; readonly text: string; readonly confidence: number }
  | { readonly type: 'utterance_end' }
  | { readonly type: 'error'; readonly error: ProviderError; readonly fatal: boolean };

export interface SttStreamOptions {
  readonly sampleRate: number;
  readonly language?: string;
  readonly onEvent: (event: SttEvent) => void;
}

export interface SttStream {
  /** Queues one frame of PCM16 LE mono audio. Must not block or throw on the hot path. */
  pushAudio(frame: Uint8Array): void;
  /** Asks the provider to finalise what it has heard (end of input, or a client-side end of turn). */
  finalize(): void;
  /** Ends the stream and releases its resources; no events follow. */
  close(): Promise<void>;
}

export interface SttProvider {
  readonly name: string;
  readonly capabilities: SttCapabilities;
  openStream(options: SttStreamOptions): Promise<SttStream>;
}
