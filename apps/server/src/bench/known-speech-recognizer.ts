/**
 * @module bench/known-speech-recognizer
 * How the fake Deepgram "hears" the benchmark's speech WAVs without a speech engine (which
 * would cost more CPU than Atlas itself at hundreds of sessions). A segment is recognised by its
 * first speech frame, byte for byte (the client sends the WAV's frames unchanged, and the fake
 * opens a segment on the first loud one); its words are then revealed in proportion to the
 * speech heard so far, each once half of its share of the speech has arrived, like a streaming
 * recogniser that is neither ahead of the speaker nor a whole word behind. The final result is
 * what was heard: the whole sentence when the whole utterance arrived.
 *
 * @example
 * const recognizer = new KnownSpeechRecognizer(await loadCorpus(dir));
 * const deepgram = await startDeepgramFake({ recognizer, profile });
 */
import { createHash } from 'node:crypto';
import {
  DEFAULT_SPEECH_THRESHOLD,
  type Recognizer,
  type RecognizerHypothesis,
  type RecognizerStream,
  rmsLevel,
} from '@atlas/fakes';

export interface KnownSpeech {
  readonly text: string;
  readonly frames: readonly Uint8Array[];
  readonly speech: { readonly first: number; readonly loudFrames: number };
}

interface Entry {
  readonly words: readonly string[];
  readonly loudFrames: number;
}

const fingerprint = (frame: Uint8Array): string => createHash('sha1').update(frame).digest('hex');

/** Words of `words` heard after `loud` of `total` speech frames (at least one once any is). */
export function wordsHeard(wordCount: number, loud: number, total: number): number {
  if (loud <= 0 || wordCount === 0) return 0;
  const share = Math.floor((wordCount * Math.min(loud, total)) / total + 0.5);
  return Math.min(wordCount, Math.max(1, share));
}

export class KnownSpeechRecognizer implements Recognizer {
  readonly #byFirstFrame = new Map<string, Entry>();
  readonly #threshold: number;
  /** Segments whose first speech frame matched no known utterance. */
  unknownSegments = 0;

  constructor(utterances: readonly KnownSpeech[], threshold = DEFAULT_SPEECH_THRESHOLD) {
    this.#threshold = threshold;
    for (const utterance of utterances) {
      const first = utterance.frames[utterance.speech.first];
      if (!first) throw new Error(`utterance "${utterance.text}" has no first speech frame`);
      this.#byFirstFrame.set(fingerprint(first), {
        words: utterance.text.split(/\s+/).filter((word) => word.length > 0),
        loudFrames: utterance.speech.loudFrames,
      });
    }
  }

  createStream(
    _sampleRate: number,
    onHypothesis: (hypothesis: RecognizerHypothesis) => void,
  ): RecognizerStream {
    let entry: Entry | undefined;
    let identified = false;
    let loud = 0;
    let revealed = 0;
    const heard = () => (entry ? wordsHeard(entry.words.length, loud, entry.loudFrames) : 0);
    return {
      write: (pcm) => {
        if (rmsLevel(pcm) < this.#threshold) return;
        if (!identified) {
          identified = true;
          entry = this.#byFirstFrame.get(fingerprint(pcm));
          if (!entry) this.unknownSegments++;
        }
        loud++;
        const count = heard();
        if (entry && count > revealed) {
          revealed = count;
          onHypothesis({ text: entry.words.slice(0, count).join(' '), final: false });
        }
      },
      end: () => {
        onHypothesis({ text: entry ? entry.words.slice(0, heard()).join(' ') : '', final: true });
      },
    };
  }
}
