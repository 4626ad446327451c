/**
 * @module deepgram/transcribe-file
 * Whole-file recognition for the pre-recorded fakes (Deepgram `POST /v1/listen`, OpenAI
 * `/audio/transcriptions`): WAV (PCM16) or raw linear16 is decoded and run through the same
 * engine as the live fake, so a file is heard exactly as the same audio streamed would be.
 * Audio the fake cannot decode (WebM, MP3…) is heard as one segment with no samples: the
 * script recognizer then answers with its next utterance, which is what batch tests need.
 */
import { randomUUID } from 'node:crypto';
import { LiveTranscriber } from './live-transcriber.js';
import { alternative, type DeepgramAlternative, type DeepgramWord } from './messages.js';
import { DEFAULT_SPEECH_THRESHOLD, type Recognizer } from './recognizer.js';

export interface DecodedAudio {
  /** PCM16 LE mono (the first channel of multi-channel audio). */
  readonly pcm: Uint8Array;
  readonly sampleRate: number;
  /** Channels in the original audio. */
  readonly channels: number;
}

const ascii = (bytes: Uint8Array, start: number, length: number) =>
  String.fromCharCode(...bytes.subarray(start, start + length));

/** Decodes a PCM16 WAV file, or raw audio when `encoding` is `linear16`; else undefined. */
export function decodeAudio(
  bytes: Uint8Array,
  hint: { encoding?: string | undefined; sampleRate?: number | undefined; channels?: number } = {},
): DecodedAudio | undefined {
  if (bytes.byteLength >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE') {
    return decodeWav(bytes);
  }
  if (hint.encoding === 'linear16') {
    const channels = hint.channels ?? 1;
    return { pcm: toMono(bytes, channels), sampleRate: hint.sampleRate ?? 16_000, channels };
  }
  return undefined;
}

function decodeWav(bytes: Uint8Array): DecodedAudio | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  let format: { channels: number; sampleRate: number; bits: number; code: number } | undefined;
  while (offset + 8 <= bytes.byteLength) {
    const id = ascii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= bytes.byteLength) {
      format = {
        code: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data' && format) {
      // 0xFFFE is WAVE_FORMAT_EXTENSIBLE, which ffmpeg writes for plain PCM too.
      if ((format.code !== 1 && format.code !== 0xfffe) || format.bits !== 16) return undefined;
      const end = Math.min(bytes.byteLength, body + size);
      return {
        pcm: toMono(bytes.subarray(body, end), format.channels),
        sampleRate: format.sampleRate,
        channels: format.channels,
      };
    }
    offset = body + size + (size % 2);
  }
  return undefined;
}

function toMono(pcm: Uint8Array, channels: number): Uint8Array {
  if (channels <= 1) return pcm;
  const frames = Math.floor(pcm.byteLength / (2 * channels));
  const mono = new Uint8Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    const source = i * 2 * channels;
    mono[i * 2] = pcm[source] ?? 0;
    mono[i * 2 + 1] = pcm[source + 1] ?? 0;
  }
  return mono;
}

/** A PCM16 WAV file around `pcm` (tests build uploads with it). */
export function encodeWav(pcm: Uint8Array, sampleRate = 16_000, channels = 1): Uint8Array {
  const wav = new Uint8Array(44 + pcm.byteLength);
  const view = new DataView(wav.buffer);
  const write = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) wav[offset + i] = text.charCodeAt(i);
  };
  write(0, 'RIFF');
  view.setUint32(4, 36 + pcm.byteLength, true);
  write(8, 'WAVE');
  write(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  write(36, 'data');
  view.setUint32(40, pcm.byteLength, true);
  wav.set(pcm, 44);
  return wav;
}

export interface FileTranscript {
  readonly alternative: DeepgramAlternative;
  /** Seconds of decoded audio (0 when the fake could not decode it). */
  readonly durationSeconds: number;
  readonly channels: number;
}

export interface TranscribeFileOptions {
  readonly recognizer: Recognizer;
  readonly encoding?: string | undefined;
  readonly sampleRate?: number | undefined;
  readonly punctuate?: boolean;
  readonly speechThreshold?: number;
  /** Silence that splits the file into segments, ms. */
  readonly endpointingMs?: number;
  readonly confidence?: number;
}

export function transcribeFile(bytes: Uint8Array, options: TranscribeFileOptions): FileTranscript {
  const punctuate = options.punctuate ?? true;
  const confidence = options.confidence ?? 0.98;
  const decoded = decodeAudio(bytes, {
    encoding: options.encoding,
    sampleRate: options.sampleRate,
  });
  if (!decoded) {
    let text = '';
    let heardConfidence = confidence;
    const stream = options.recognizer.createStream(options.sampleRate ?? 16_000, (hypothesis) => {
      text = hypothesis.text;
      heardConfidence = hypothesis.confidence ?? confidence;
    });
    stream.end();
    return {
      alternative: alternative(text, heardConfidence, 0, 0, punctuate),
      durationSeconds: 0,
      channels: 1,
    };
  }
  const texts: string[] = [];
  const confidences: number[] = [];
  const words: DeepgramWord[] = [];
  const transcriber = new LiveTranscriber(
    {
      requestId: randomUUID(),
      sampleRate: decoded.sampleRate,
      channels: 1,
      interimResults: false,
      endpointingMs: options.endpointingMs ?? 300,
      speechFinal: true,
      utteranceEndMs: undefined,
      vadEvents: false,
      punctuate,
      partialEveryMs: Number.POSITIVE_INFINITY,
      speechThreshold: options.speechThreshold ?? DEFAULT_SPEECH_THRESHOLD,
      silenceResultMs: Number.POSITIVE_INFINITY,
      defaultConfidence: confidence,
      recognizer: options.recognizer,
    },
    (message) => {
      if (message.type !== 'Results') return;
      const alt = message.channel.alternatives[0];
      if (!alt || alt.transcript.length === 0) return;
      texts.push(alt.transcript);
      confidences.push(alt.confidence);
      words.push(...alt.words);
    },
  );
  // 100 ms chunks, as a streaming client would send them.
  const chunk = Math.max(2, Math.round(decoded.sampleRate / 10) * 2);
  for (let offset = 0; offset < decoded.pcm.byteLength; offset += chunk) {
    transcriber.audio(decoded.pcm.subarray(offset, offset + chunk));
  }
  transcriber.closeStream();
  const mean =
    confidences.length > 0
      ? confidences.reduce((sum, value) => sum + value, 0) / confidences.length
      : 0;
  return {
    alternative: { transcript: texts.join(' '), confidence: mean, words },
    durationSeconds: transcriber.audioSeconds,
    channels: decoded.channels,
  };
}
