/**
 * @module providers/stt/streaming-batch-stt
 * Batch transcription (the V1 voice path) with a streaming recognizer such as PocketSphinx:
 * a WAV recording is decoded, mixed to mono, resampled to the recognizer's rate and pushed in
 * 100 ms frames; the finals are joined. Other containers need a vendor (Deepgram, OpenAI).
 */
import { AtlasError } from '../../errors.js';
import { resamplePcm16, samplesToBytes } from '../tts/pcm-resampler.js';
import { parseWav } from '../tts/wav-reader.js';
import type { BatchSttProvider, BatchTranscript, BatchTranscriptionRequest } from './batch-stt.js';
import type { SttProvider } from './stt.js';

/** Silence appended so the recognizer's endpointing closes the last utterance. */
const TRAILING_SILENCE_MS = 1_000;

function mono(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) return samples;
  const out = new Int16Array(Math.floor(samples.length / channels));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c] ?? 0;
    out[i] = Math.round(sum / channels);
  }
  return out;
}

export class StreamingBatchStt implements BatchSttProvider {
  readonly name: string;

  constructor(private readonly stt: SttProvider) {
    this.name = `${stt.name}-batch`;
  }

  async transcribe(request: BatchTranscriptionRequest): Promise<BatchTranscript> {
    let wav: ReturnType<typeof parseWav>;
    try {
      wav = parseWav(request.audio);
    } catch {
      throw new AtlasError(
        'unsupported_media_type',
        'Offline transcription reads WAV recordings (16-bit PCM) only; configure DEEPGRAM_API_KEY or OPENAI_API_KEY for other formats.',
      );
    }
    if (wav.format.bitsPerSample !== 16) {
      throw new AtlasError(
        'unsupported_media_type',
        'Offline transcription reads 16-bit PCM WAV only.',
      );
    }
    const rate = this.stt.capabilities.sampleRate;
    const speech = resamplePcm16(
      mono(wav.samples, wav.format.channels),
      wav.format.sampleRate,
      rate,
    );
    const pcm = new Int16Array(speech.length + Math.round((rate * TRAILING_SILENCE_MS) / 1000));
    pcm.set(speech);
    const finals: string[] = [];
    const confidences: number[] = [];
    let utteranceEnded: () => void = () => {};
    let ends = 0;
    const stream = await this.stt.openStream({
      sampleRate: rate,
      onEvent: (event) => {
        if (event.type === 'final') {
          finals.push(event.text);
          confidences.push(event.confidence);
        } else if (event.type === 'utterance_end') {
          ends++;
          utteranceEnded();
        }
      },
    });
    try {
      const bytes = samplesToBytes(pcm);
      const frameBytes = Math.round(rate / 10) * 2;
      for (let offset = 0; offset < bytes.byteLength; offset += frameBytes) {
        if (request.signal?.aborted) throw request.signal.reason;
        stream.pushAudio(bytes.subarray(offset, offset + frameBytes));
      }
      // Ask for what is still pending, then give the recognizer a bounded time to deliver it.
      const before = ends;
      stream.finalize();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        utteranceEnded = () => {
          if (ends > before || finals.length > 0) {
            clearTimeout(timer);
            resolve();
          }
        };
        if (ends > before) utteranceEnded();
      });
    } finally {
      await stream.close();
    }
    const text = finals.join(' ').trim();
    const confidence = confidences.length > 0 ? Math.min(...confidences) : undefined;
    return {
      text,
      durationSeconds: speech.length / rate,
      ...(confidence === undefined ? {} : { confidence }),
    };
  }
}
