/**
 * @module providers/tts/tts
 * The text-to-speech contract: one sentence and an abort signal in, PCM16 LE mono chunks out
 * at the provider's declared sample rate, as they arrive.
 */
export interface TtsCapabilities {
  /** Sample rate of the PCM the provider produces. */
  readonly sampleRate: number;
  /** Chunks arrive while synthesis runs (not only at the end). */
  readonly streaming: boolean;
}

export interface TtsRequest {
  readonly text: string;
  readonly signal: AbortSignal;
  readonly voice?: string;
}

export interface TtsProvider {
  readonly name: string;
  readonly capabilities: TtsCapabilities;
  synthesize(request: TtsRequest): AsyncIterable<Uint8Array>;
}
