/**
 * @module e2e/support/repeating-recognizer
 * What the fake Deepgram (and the fake OpenAI transcriptions) "hear" from the browser's fake
 * microphone: the sentence the WAV speaks, in every speech segment. Chromium loops the WAV, so
 * the user says the same sentence again and again; a one-shot script would run dry after the
 * first turns. Words are revealed as loud audio arrives, exactly as `ScriptRecognizer` does.
 */
import {
  type Recognizer,
  type RecognizerHypothesis,
  type RecognizerStream,
  ScriptRecognizer,
  type ScriptRecognizerOptions,
} from '../../../../packages/fakes/src/index.js';

export class RepeatingRecognizer implements Recognizer {
  readonly #sentence: string;
  readonly #options: ScriptRecognizerOptions;
  /** Segments heard to the end (one per repetition of the sentence, or per upload). */
  segmentsHeard = 0;

  constructor(sentence: string, options: ScriptRecognizerOptions = {}) {
    this.#sentence = sentence;
    this.#options = options;
  }

  createStream(
    sampleRate: number,
    onHypothesis: (hypothesis: RecognizerHypothesis) => void,
  ): RecognizerStream {
    const inner = new ScriptRecognizer([this.#sentence], this.#options).createStream(
      sampleRate,
      onHypothesis,
    );
    return {
      write: (pcm) => inner.write(pcm),
      end: () => {
        this.segmentsHeard += 1;
        inner.end();
      },
      cancel: () => inner.cancel?.(),
    };
  }
}
