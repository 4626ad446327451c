/**
 * @module bench/speech-corpus
 * The spoken sentences the benchmarks stream: synthesised with espeak-ng at start-up (so nothing
 * is downloaded and every machine hears the same audio), then read back as 100 ms frames with
 * the speech located by energy.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { FRAME_MS, findSpeech, readWavAs16kMono, type SpeechSpan, toFrames } from './wav-audio.js';

const run = promisify(execFile);

/** Plain questions without commas: espeak pauses at commas, which would end a turn early. */
export const BENCH_SENTENCES: readonly string[] = [
  'what is the weather like in paris today',
  'can you remind me to call my sister tomorrow morning',
  'how long does it take to boil an egg',
  'tell me something interesting about the moon',
  'what time does the train to london leave',
  'please suggest a good book for a long flight',
];

export interface Utterance {
  readonly text: string;
  /** The WAV resampled to 16 kHz mono, in 100 ms frames (espeak's trailing silence included). */
  readonly frames: readonly Uint8Array[];
  readonly speech: SpeechSpan;
}

export function wavPathFor(dir: string, index: number): string {
  return path.join(dir, `utterance-${index}.wav`);
}

/** Writes one WAV per sentence into `dir` with espeak-ng; fails clearly when it is missing. */
export async function synthesizeCorpus(
  dir: string,
  sentences: readonly string[] = BENCH_SENTENCES,
): Promise<void> {
  for (const [index, text] of sentences.entries()) {
    try {
      await run('espeak-ng', ['-v', 'en-us', '-s', '165', '-w', wavPathFor(dir, index), text]);
    } catch (error) {
      throw new Error(
        `espeak-ng could not synthesise the benchmark speech (install the espeak-ng package): ${(error as Error).message}`,
      );
    }
  }
}

/** Reads the WAVs `synthesizeCorpus` wrote. */
export async function loadCorpus(
  dir: string,
  sentences: readonly string[] = BENCH_SENTENCES,
): Promise<Utterance[]> {
  const utterances: Utterance[] = [];
  for (const [index, text] of sentences.entries()) {
    const bytes = await readFile(wavPathFor(dir, index));
    const frames = toFrames(readWavAs16kMono(new Uint8Array(bytes)));
    const speech = findSpeech(frames);
    if (!speech) throw new Error(`no speech found in ${wavPathFor(dir, index)}`);
    utterances.push({ text, frames, speech });
  }
  return utterances;
}

/** Speech duration of an utterance, ms (first to last speech frame, both whole). */
export function speechMs(utterance: Utterance): number {
  return (utterance.speech.last - utterance.speech.first + 1) * FRAME_MS;
}
