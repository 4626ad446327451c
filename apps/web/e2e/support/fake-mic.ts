/**
 * @module e2e/support/fake-mic
 * The fake microphone's recording: a sentence spoken by `espeak-ng`, then silence, as a 16-bit
 * PCM WAV for Chromium's `--use-file-for-fake-audio-capture` (which loops the file, so the
 * "user" says the sentence again after every pause). The silence gives the turn detector an end
 * of speech and leaves the assistant room to answer before the next repetition.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PCM16 mono audio and its sample rate. */
export interface Pcm16Audio {
  readonly sampleRate: number;
  /** Little-endian signed 16-bit samples, one channel. */
  readonly samples: Uint8Array;
}

/**
 * Reads the PCM16 mono data of a WAV by walking its chunks. A `data` size that is zero or runs
 * past the end (what streaming writers such as `espeak-ng --stdout` leave as placeholders) means
 * "the rest of the file".
 */
export function parsePcm16Wav(bytes: Uint8Array): Pcm16Audio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) =>
    String.fromCharCode(...bytes.subarray(offset, Math.min(offset + 4, bytes.byteLength)));
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let sampleRate: number | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      const format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const bits = view.getUint16(body + 14, true);
      if (format !== 1 || channels !== 1 || bits !== 16) {
        throw new Error(`expected PCM16 mono, got format ${format}, ${channels} ch, ${bits} bit`);
      }
      sampleRate = view.getUint32(body + 4, true);
    } else if (id === 'data') {
      if (sampleRate === undefined) throw new Error('WAV data chunk before its fmt chunk');
      const end = size === 0 || body + size > bytes.byteLength ? bytes.byteLength : body + size;
      // An odd trailing byte is not a sample.
      return { sampleRate, samples: bytes.slice(body, end - ((end - body) % 2)) };
    }
    // Chunks are word-aligned: an odd size is followed by a pad byte.
    offset = body + size + (size % 2);
  }
  throw new Error('WAV has no data chunk');
}

/** A canonical 44-byte-header PCM16 mono WAV with real sizes. */
export function encodePcm16Wav(audio: Pcm16Audio): Uint8Array {
  const dataBytes = audio.samples.byteLength;
  const wav = new Uint8Array(44 + dataBytes);
  const view = new DataView(wav.buffer);
  const writeTag = (offset: number, text: string) => {
    for (let i = 0; i < 4; i++) wav[offset + i] = text.charCodeAt(i);
  };
  writeTag(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  writeTag(8, 'WAVE');
  writeTag(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  writeTag(36, 'data');
  view.setUint32(40, dataBytes, true);
  wav.set(audio.samples, 44);
  return wav;
}

/** The audio followed by `silenceMs` of digital silence. */
export function withTrailingSilence(audio: Pcm16Audio, silenceMs: number): Pcm16Audio {
  const silenceBytes = Math.round((audio.sampleRate * silenceMs) / 1000) * 2;
  const samples = new Uint8Array(audio.samples.byteLength + silenceBytes);
  samples.set(audio.samples, 0);
  return { sampleRate: audio.sampleRate, samples };
}

export interface FakeMicOptions {
  /** What the fake user says. */
  readonly sentence: string;
  /** Silence after the sentence, ms (default 2 000). */
  readonly silenceMs?: number;
}

/** Speaks `sentence` with espeak-ng into `dir/fake-mic.wav` (plus silence); returns the path. */
export async function writeFakeMicWav(dir: string, options: FakeMicOptions): Promise<string> {
  const spoken = path.join(dir, 'fake-mic-speech.wav');
  // `-w` writes real chunk sizes (unlike `--stdout`); parsePcm16Wav copes with either.
  await run('espeak-ng', ['-w', spoken, '--', options.sentence]);
  const speech = parsePcm16Wav(new Uint8Array(await readFile(spoken)));
  const target = path.join(dir, 'fake-mic.wav');
  await writeFile(target, encodePcm16Wav(withTrailingSilence(speech, options.silenceMs ?? 2_000)));
  return target;
}
