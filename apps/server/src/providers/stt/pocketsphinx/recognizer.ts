/**
 * @module providers/stt/pocketsphinx/recognizer
 * PocketSphinx as a segment recognizer for the fake speech servers (`@atlas/fakes`' Deepgram
 * fake takes any `{ createStream(sampleRate, onHypothesis) }`): the fake finds the speech
 * segments, this hears them, so end-to-end tests can speak to Atlas through a wire-faithful
 * Deepgram and get back what was actually said.
 *
 * It decodes synchronously on the calling thread, because the recognizer contract is
 * synchronous (`end()` must have reported the final text when it returns). That is fine for a
 * fake server (~10 ms of CPU per 100 ms of audio) and wrong for the gateway, which uses
 * `PocketSphinxStt` and its worker threads instead. Loading a decoder takes ~0.5 s: call
 * `warmUp()` when the fake starts. Decoders are reused across segments and freed by `close()`.
 *
 * @example
 * const recognizer = createPocketSphinxRecognizer();
 * recognizer.warmUp();
 * const fake = await startDeepgramFake({ recognizer });
 * // …
 * recognizer.close();
 */
import koffi from 'koffi';
import { bytesToSamples, PcmResampler } from '../../tts/pcm-resampler.js';
import {
  createDecoderRuntime,
  type DecoderRuntime,
  type SphinxDecoder,
} from './decoder-runtime.js';
import { DEFAULT_LIBRARIES, modelPaths, type PocketSphinxLocation } from './model.js';

/** Structurally the fakes' `RecognizerHypothesis`. */
export interface SegmentHypothesis {
  readonly text: string;
  readonly final: boolean;
  readonly confidence?: number;
}

/** Structurally the fakes' `RecognizerStream`. */
export interface SegmentStream {
  write(pcm: Uint8Array): void;
  end(): void;
  cancel(): void;
}

export interface PocketSphinxRecognizer {
  createStream(
    sampleRate: number,
    onHypothesis: (hypothesis: SegmentHypothesis) => void,
  ): SegmentStream;
  /** Loads one decoder now rather than on the first segment. */
  warmUp(): void;
  /** Frees every decoder; streams created later load new ones. */
  close(): void;
}

const SAMPLE_RATE = 16_000;

export function createPocketSphinxRecognizer(
  location: PocketSphinxLocation = {},
): PocketSphinxRecognizer {
  let runtime: DecoderRuntime | undefined;
  const idle: SphinxDecoder[] = [];
  const all = new Set<SphinxDecoder>();

  const acquire = (): SphinxDecoder => {
    const reused = idle.pop();
    if (reused) return reused;
    runtime ??= createDecoderRuntime(koffi, location.libraries ?? DEFAULT_LIBRARIES);
    const decoder = runtime.createDecoder({
      ...modelPaths(location),
      sampleRate: SAMPLE_RATE,
      endSilenceMs: 500,
    });
    all.add(decoder);
    return decoder;
  };
  const release = (decoder: SphinxDecoder) => {
    if (all.has(decoder)) idle.push(decoder);
  };

  return {
    warmUp() {
      if (idle.length === 0) release(acquire());
    },
    close() {
      for (const decoder of all) decoder.free();
      all.clear();
      idle.length = 0;
    },
    createStream(sampleRate, onHypothesis) {
      const decoder = acquire();
      decoder.start();
      const resampler =
        sampleRate === SAMPLE_RATE ? undefined : new PcmResampler(sampleRate, SAMPLE_RATE);
      let carry: Uint8Array | undefined;
      let last = '';
      let done = false;
      return {
        write(pcm) {
          if (done || !all.has(decoder)) return;
          let bytes = pcm;
          if (carry) {
            bytes = new Uint8Array(carry.byteLength + pcm.byteLength);
            bytes.set(carry);
            bytes.set(pcm, carry.byteLength);
          }
          const even = bytes.byteLength & ~1;
          carry = even < bytes.byteLength ? bytes.slice(even) : undefined;
          let samples = bytesToSamples(bytes.subarray(0, even));
          if (resampler) samples = resampler.push(samples);
          decoder.process(samples);
          const text = decoder.hypothesis();
          if (text && text !== last) {
            last = text;
            onHypothesis({ text, final: false });
          }
        },
        end() {
          if (done) return;
          done = true;
          // After close() the decoder is freed: the segment ends with nothing heard.
          const result = all.has(decoder) ? decoder.end() : { text: '', confidence: 0 };
          release(decoder);
          onHypothesis({ text: result.text, final: true, confidence: result.confidence });
        },
        cancel() {
          if (done) return;
          done = true;
          if (all.has(decoder)) decoder.end();
          release(decoder);
        },
      };
    },
  };
}
