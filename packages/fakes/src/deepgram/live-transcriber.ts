/**
 * @module deepgram/live-transcriber
 * The fake's listening engine, independent of sockets: PCM in, Deepgram messages out, all in
 * audio time (so results do not depend on how fast a test pushes frames; the server adds the
 * profile's lag on the wall clock). An energy detector splits the audio into segments; each
 * segment goes to a `Recognizer`; interim results follow the profile's cadence, the final one
 * comes after endpointing silence (or Finalize / CloseStream), `UtteranceEnd` after the word gap.
 */
import {
  alternative,
  type DeepgramLiveMessage,
  metadataMessage,
  type ResultsMessage,
  resultsMessage,
  seconds,
} from './messages.js';
import { pcmDurationMs, type Recognizer, type RecognizerStream, rmsLevel } from './recognizer.js';

export interface LiveTranscriberConfig {
  readonly requestId: string;
  readonly sampleRate: number;
  readonly channels: number;
  readonly interimResults: boolean;
  /** Silence after speech that ends a segment, ms. */
  readonly endpointingMs: number;
  /** Whether a segment ended by silence is `speech_final` (not with `endpointing=false`). */
  readonly speechFinal: boolean;
  /** `utterance_end_ms`; only honoured with interim results, as Deepgram requires. */
  readonly utteranceEndMs: number | undefined;
  readonly vadEvents: boolean;
  readonly punctuate: boolean;
  /** An interim result every this many ms of audio while speech is open. */
  readonly partialEveryMs: number;
  readonly speechThreshold: number;
  /** With no speech open, settle the silence with an empty final result this often, ms. */
  readonly silenceResultMs: number;
  readonly defaultConfidence: number;
  readonly recognizer: Recognizer;
}

interface Segment {
  stream: RecognizerStream | undefined;
  readonly speechStartMs: number;
  lastLoudEndMs: number;
  silenceMs: number;
  lastInterimMs: number;
  hypothesis: string;
  confidence: number;
}

const EPSILON_MS = 1e-6;

export class LiveTranscriber {
  readonly #config: LiveTranscriberConfig;
  readonly #emit: (message: DeepgramLiveMessage) => void;
  #audioMs = 0;
  /** End of the last final result: results cover contiguous spans of the stream. */
  #settledMs = 0;
  #segment: Segment | undefined;
  #lastWordEndMs: number | undefined;

  constructor(config: LiveTranscriberConfig, emit: (message: DeepgramLiveMessage) => void) {
    this.#config = config;
    this.#emit = emit;
  }

  /** Seconds of audio received. */
  get audioSeconds(): number {
    return this.#audioMs / 1000;
  }

  /** True while a speech segment is open (speech heard, endpointing not reached). */
  get inSpeech(): boolean {
    return this.#segment !== undefined;
  }

  audio(pcm: Uint8Array): void {
    const config = this.#config;
    const startMs = this.#audioMs;
    this.#audioMs += pcmDurationMs(pcm.byteLength, config.sampleRate, config.channels);
    const loud = rmsLevel(pcm) >= config.speechThreshold;
    let segment = this.#segment;
    if (loud && !segment) segment = this.#openSegment(startMs);
    if (!segment) {
      this.#checkUtteranceEnd();
      if (this.#audioMs - this.#settledMs + EPSILON_MS >= config.silenceResultMs) {
        this.#emitFinal('', config.defaultConfidence, this.#settledMs, this.#settledMs, {
          speechFinal: false,
          fromFinalize: false,
        });
      }
      return;
    }
    segment.stream?.write(pcm);
    if (loud) {
      segment.silenceMs = 0;
      segment.lastLoudEndMs = this.#audioMs;
    } else {
      segment.silenceMs += this.#audioMs - startMs;
      if (segment.silenceMs + EPSILON_MS >= config.endpointingMs) {
        this.#finishSegment(config.speechFinal, false);
        return;
      }
    }
    if (
      config.interimResults &&
      this.#audioMs - segment.lastInterimMs + EPSILON_MS >= config.partialEveryMs
    ) {
      segment.lastInterimMs = this.#audioMs;
      if (segment.hypothesis) {
        this.#emit(
          resultsMessage({
            requestId: config.requestId,
            startMs: this.#settledMs,
            endMs: this.#audioMs,
            isFinal: false,
            speechFinal: false,
            fromFinalize: false,
            alternative: alternative(
              segment.hypothesis,
              segment.confidence,
              segment.speechStartMs,
              this.#audioMs,
              config.punctuate,
            ),
          }),
        );
      }
    }
  }

  /** `{"type":"Finalize"}`: what is pending comes back final with `from_finalize: true`. */
  finalize(): void {
    if (this.#segment) {
      this.#finishSegment(false, true);
      return;
    }
    this.#emitFinal('', this.#config.defaultConfidence, this.#settledMs, this.#settledMs, {
      speechFinal: false,
      fromFinalize: true,
    });
  }

  /** `{"type":"CloseStream"}`: final results for what is pending, then the Metadata summary. */
  closeStream(): void {
    if (this.#segment) this.#finishSegment(this.#config.speechFinal, false);
    this.#emit(metadataMessage(this.#config.requestId, this.#audioMs, this.#config.channels));
  }

  /** The connection died: the open segment is dropped unheard. */
  abort(): void {
    this.#segment?.stream?.cancel?.();
    this.#segment = undefined;
  }

  #openSegment(startMs: number): Segment {
    const segment: Segment = {
      stream: undefined,
      speechStartMs: startMs,
      lastLoudEndMs: startMs,
      silenceMs: 0,
      lastInterimMs: startMs,
      hypothesis: '',
      confidence: this.#config.defaultConfidence,
    };
    // Assigned after the literal: a recognizer may report a hypothesis while being created.
    segment.stream = this.#config.recognizer.createStream(this.#config.sampleRate, (hypothesis) => {
      segment.hypothesis = hypothesis.text;
      if (hypothesis.confidence !== undefined) segment.confidence = hypothesis.confidence;
    });
    this.#segment = segment;
    if (this.#config.vadEvents) {
      this.#emit({ type: 'SpeechStarted', channel: [0], timestamp: seconds(startMs) });
    }
    return segment;
  }

  #finishSegment(speechFinal: boolean, fromFinalize: boolean): void {
    const segment = this.#segment;
    if (!segment) return;
    this.#segment = undefined;
    segment.stream?.end();
    const text = segment.hypothesis.trim();
    this.#emitFinal(text, segment.confidence, segment.speechStartMs, segment.lastLoudEndMs, {
      speechFinal,
      fromFinalize,
    });
    if (text) this.#lastWordEndMs = segment.lastLoudEndMs;
    this.#checkUtteranceEnd();
  }

  #emitFinal(
    text: string,
    confidence: number,
    wordsStartMs: number,
    wordsEndMs: number,
    flags: { speechFinal: boolean; fromFinalize: boolean },
  ): void {
    const message: ResultsMessage = resultsMessage({
      requestId: this.#config.requestId,
      startMs: this.#settledMs,
      endMs: this.#audioMs,
      isFinal: true,
      speechFinal: flags.speechFinal,
      fromFinalize: flags.fromFinalize,
      alternative: alternative(text, confidence, wordsStartMs, wordsEndMs, this.#config.punctuate),
    });
    this.#settledMs = this.#audioMs;
    this.#emit(message);
  }

  #checkUtteranceEnd(): void {
    const { utteranceEndMs, interimResults } = this.#config;
    const lastWordEndMs = this.#lastWordEndMs;
    if (utteranceEndMs === undefined || !interimResults || lastWordEndMs === undefined) return;
    if (this.#segment || this.#audioMs - lastWordEndMs + EPSILON_MS < utteranceEndMs) return;
    this.#lastWordEndMs = undefined;
    this.#emit({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: seconds(lastWordEndMs) });
  }
}
