/**
 * @module deepgram/recognizer
 * What the fake speech servers "hear". The fake owns segmentation (an energy detector decides
 * where speech starts and where endpointing silence ends it); a `Recognizer` turns the PCM of
 * one segment into text. Two come with the fakes: `ScriptRecognizer` (the test says what is
 * said, revealed word by word as loud audio arrives) and `CodedSpeechRecognizer` (see
 * `coded-speech.ts`). A real engine such as PocketSphinx plugs in through the same interface.
 *
 * @example
 * const script = new ScriptRecognizer(['what is the weather', 'thanks']);
 * const fake = await startDeepgramFake({ recognizer: script });
 */

/** One hypothesis about the segment being recognised (the whole segment so far, not a delta). */
export interface RecognizerHypothesis {
  readonly text: string;
  /** True for the settled text, reported by `end()`. */
  readonly final: boolean;
  /** 0..1; the fake uses its default when absent. */
  readonly confidence?: number;
}

/** One speech segment. Methods are called synchronously in audio order. */
export interface RecognizerStream {
  /** PCM16 little-endian mono bytes (the segment's audio, trailing silence included). */
  write(pcm: Uint8Array): void;
  /**
   * The segment is over: report the final hypothesis through `onHypothesis` before returning
   * (the fake sends the final result right after this call).
   */
  end(): void;
  /** The connection died mid-segment: drop the segment without reporting it. */
  cancel?(): void;
}

export interface Recognizer {
  createStream(
    sampleRate: number,
    onHypothesis: (hypothesis: RecognizerHypothesis) => void,
  ): RecognizerStream;
}

/** RMS level of PCM16 LE audio above which the fakes treat audio as speech. */
export const DEFAULT_SPEECH_THRESHOLD = 500;

/** Root-mean-square level of PCM16 LE bytes (a trailing odd byte is ignored). */
export function rmsLevel(pcm: Uint8Array): number {
  const samples = pcm.byteLength >> 1;
  if (samples === 0) return 0;
  const view = new DataView(pcm.buffer, pcm.byteOffset, samples * 2);
  let sum = 0;
  for (let offset = 0; offset < samples * 2; offset += 2) {
    const sample = view.getInt16(offset, true);
    sum += sample * sample;
  }
  return Math.sqrt(sum / samples);
}

/** Duration in ms of PCM16 LE audio. */
export function pcmDurationMs(byteLength: number, sampleRate: number, channels = 1): number {
  return (byteLength / (2 * channels * sampleRate)) * 1000;
}

export interface ScriptRecognizerOptions {
  /** Loud audio per revealed word, ms (how fast the scripted speaker talks). */
  wordMs?: number;
  /** RMS level that counts as speech (matches the fake's detector by default). */
  speechThreshold?: number;
  confidence?: number;
}

/**
 * Hears a script: each speech segment is the next utterance. Words are revealed as loud audio
 * accumulates (one per `wordMs`); the final result is always the whole utterance, as real
 * endpointing recognises what interim results had not shown yet. An utterance is consumed only
 * when its segment ends, so a segment cut by a dropped connection is heard again on the next.
 */
export class ScriptRecognizer implements Recognizer {
  readonly #utterances: string[];
  readonly #wordMs: number;
  readonly #threshold: number;
  readonly #confidence: number;
  /** Utterances heard to the end, in order. */
  readonly heard: string[] = [];

  constructor(utterances: readonly string[] = [], options: ScriptRecognizerOptions = {}) {
    this.#utterances = [...utterances];
    this.#wordMs = options.wordMs ?? 200;
    this.#threshold = options.speechThreshold ?? DEFAULT_SPEECH_THRESHOLD;
    this.#confidence = options.confidence ?? 0.98;
  }

  /** Appends utterances the speaker will say next. */
  say(...utterances: string[]): this {
    this.#utterances.push(...utterances);
    return this;
  }

  /** Utterances not heard yet. */
  get pending(): readonly string[] {
    return this.#utterances;
  }

  createStream(
    sampleRate: number,
    onHypothesis: (hypothesis: RecognizerHypothesis) => void,
  ): RecognizerStream {
    let loudMs = 0;
    let revealed = 0;
    const confidence = this.#confidence;
    return {
      write: (pcm) => {
        if (rmsLevel(pcm) < this.#threshold) return;
        loudMs += pcmDurationMs(pcm.byteLength, sampleRate);
        const words = splitWords(this.#utterances[0] ?? '');
        const count = Math.min(words.length, Math.ceil(loudMs / this.#wordMs - 1e-9));
        if (count > revealed) {
          revealed = count;
          onHypothesis({ text: words.slice(0, count).join(' '), final: false, confidence });
        }
      },
      end: () => {
        const utterance = this.#utterances.shift() ?? '';
        if (utterance) this.heard.push(utterance);
        onHypothesis({ text: splitWords(utterance).join(' '), final: true, confidence });
      },
    };
  }
}

export function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}
