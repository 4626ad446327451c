/**
 * @module deepgram/coded-speech
 * Synthetic "speech" whose words can be read back from the samples. Each word is a run of
 * frames holding one constant sample value (its vocabulary index, signed alternately so two
 * equal words in a row stay two words). A transcript built by `CodedSpeechRecognizer` therefore
 * contains exactly the words whose audio reached the server: lost, reordered or duplicated
 * frames show up in the text, which a script cannot reveal.
 *
 * @example
 * const vocabulary = ['alpha', 'bravo', 'charlie'];
 * const fake = await startDeepgramFake({ recognizer: new CodedSpeechRecognizer(vocabulary) });
 * for (const frame of codedSpeech(['alpha', 'charlie'], vocabulary)) stream.pushAudio(frame);
 */
import type { Recognizer, RecognizerHypothesis, RecognizerStream } from './recognizer.js';

const BASE_LEVEL = 2_000;
const LEVEL_STEP = 500;
const MAX_WORDS = Math.floor((32_767 - BASE_LEVEL) / LEVEL_STEP);

export interface FrameOptions {
  sampleRate?: number;
  /** Duration of one frame, ms. */
  frameMs?: number;
}

export interface CodedSpeechOptions extends FrameOptions {
  /** Frames per spoken word. */
  framesPerWord?: number;
}

function frameBytes({ sampleRate = 16_000, frameMs = 100 }: FrameOptions): number {
  return Math.round((sampleRate * frameMs) / 1000) * 2;
}

function constantFrame(bytes: number, value: number): Uint8Array {
  const frame = new Uint8Array(bytes);
  const view = new DataView(frame.buffer);
  for (let offset = 0; offset < bytes; offset += 2) view.setInt16(offset, value, true);
  return frame;
}

/** PCM16 frames "saying" `words`, each a vocabulary entry. */
export function codedSpeech(
  words: readonly string[],
  vocabulary: readonly string[],
  options: CodedSpeechOptions = {},
): Uint8Array[] {
  if (vocabulary.length > MAX_WORDS) throw new Error(`at most ${MAX_WORDS} vocabulary words`);
  const bytes = frameBytes(options);
  const frames: Uint8Array[] = [];
  words.forEach((word, position) => {
    const index = vocabulary.indexOf(word);
    if (index < 0) throw new Error(`"${word}" is not in the vocabulary`);
    const level = (BASE_LEVEL + index * LEVEL_STEP) * (position % 2 === 0 ? 1 : -1);
    for (let i = 0; i < (options.framesPerWord ?? 2); i++) frames.push(constantFrame(bytes, level));
  });
  return frames;
}

/** Silent PCM16 frames (what a microphone sends between utterances). */
export function silence(count: number, options: FrameOptions = {}): Uint8Array[] {
  const bytes = frameBytes(options);
  return Array.from({ length: count }, () => new Uint8Array(bytes));
}

/** A 440 Hz tone frame loud enough for the fakes' speech detector. */
export function toneFrame(options: FrameOptions & { amplitude?: number } = {}): Uint8Array {
  const sampleRate = options.sampleRate ?? 16_000;
  const bytes = frameBytes(options);
  const frame = new Uint8Array(bytes);
  const view = new DataView(frame.buffer);
  const amplitude = options.amplitude ?? 8_000;
  for (let i = 0; i < bytes / 2; i++) {
    view.setInt16(
      i * 2,
      Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / sampleRate)),
      true,
    );
  }
  return frame;
}

/** Reads back the words `codedSpeech` wrote; anything else (silence, tones) is ignored. */
export class CodedSpeechRecognizer implements Recognizer {
  readonly #vocabulary: readonly string[];

  constructor(vocabulary: readonly string[]) {
    this.#vocabulary = vocabulary;
  }

  createStream(
    _sampleRate: number,
    onHypothesis: (hypothesis: RecognizerHypothesis) => void,
  ): RecognizerStream {
    const words: string[] = [];
    let lastLevel = 0;
    return {
      write: (pcm) => {
        if (pcm.byteLength < 2) return;
        const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
        const level = view.getInt16(0, true);
        const magnitude = Math.abs(level);
        const index = (magnitude - BASE_LEVEL) / LEVEL_STEP;
        // Only exact coded levels are words; a sine tone or silence never matches all samples.
        if (magnitude < BASE_LEVEL || !Number.isInteger(index) || !isConstant(view, level)) {
          lastLevel = 0;
          return;
        }
        if (level === lastLevel) return;
        lastLevel = level;
        words.push(this.#vocabulary[index] ?? '<unk>');
        onHypothesis({ text: words.join(' '), final: false, confidence: 0.99 });
      },
      end: () => onHypothesis({ text: words.join(' '), final: true, confidence: 0.99 }),
    };
  }
}

function isConstant(view: DataView, value: number): boolean {
  for (let offset = 2; offset + 1 < view.byteLength; offset += 2) {
    if (view.getInt16(offset, true) !== value) return false;
  }
  return true;
}
