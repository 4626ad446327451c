/**
 * @module providers/tts/testing/fake-tts
 * A scriptable in-process TTS for tests: after a time to first byte it produces PCM16 for each
 * character (a quiet tone, so tests can tell it from silence), in chunks paced by a real-time
 * factor; honours abort and can fail.
 */
import { ProviderError } from '../../provider-error.js';
import { delay } from '../../testing-clock.js';
import type { TtsProvider, TtsRequest } from '../tts.js';

export interface FakeTtsOptions {
  sampleRate?: number;
  timeToFirstByteMs?: number;
  /** Audio produced per character, ms. */
  msPerCharacter?: number;
  /** Synthesis time / audio time; 0 = instant. */
  realTimeFactor?: number;
  /** Audio per chunk, ms. */
  chunkMs?: number;
  failures?: ProviderError[];
}

export interface FakeTtsCall {
  text: string;
  bytes: number;
  aborted: boolean;
}

export class FakeTtsProvider implements TtsProvider {
  readonly name = 'fake-tts';
  readonly capabilities: { sampleRate: number; streaming: true };
  readonly calls: FakeTtsCall[] = [];
  readonly #options: FakeTtsOptions;
  readonly #failures: ProviderError[];

  constructor(options: FakeTtsOptions = {}) {
    this.#options = options;
    this.capabilities = { sampleRate: options.sampleRate ?? 24_000, streaming: true };
    this.#failures = [...(options.failures ?? [])];
  }

  failNext(
    error: ProviderError = new ProviderError('fake TTS failure', {
      provider: 'fake',
      capability: 'tts',
      retryable: true,
      status: 500,
    }),
  ): void {
    this.#failures.push(error);
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Uint8Array> {
    const call: FakeTtsCall = { text: request.text, bytes: 0, aborted: false };
    this.calls.push(call);
    const sampleRate = this.capabilities.sampleRate;
    const chunkMs = this.#options.chunkMs ?? 100;
    const totalMs = request.text.length * (this.#options.msPerCharacter ?? 20);
    const chunkSamples = Math.max(1, Math.round((sampleRate * chunkMs) / 1000));
    try {
      await delay(this.#options.timeToFirstByteMs ?? 0, request.signal);
      const failure = this.#failures.shift();
      if (failure) throw failure;
      let remainingSamples = Math.round((sampleRate * totalMs) / 1000);
      let first = true;
      while (remainingSamples > 0) {
        if (!first) await delay(chunkMs * (this.#options.realTimeFactor ?? 0), request.signal);
        if (request.signal.aborted) throw request.signal.reason;
        first = false;
        const samples = Math.min(chunkSamples, remainingSamples);
        remainingSamples -= samples;
        const chunk = new Uint8Array(samples * 2);
        const view = new DataView(chunk.buffer);
        for (let i = 0; i < samples; i++) view.setInt16(i * 2, i % 2 === 0 ? 1000 : -1000, true);
        call.bytes += chunk.byteLength;
        yield chunk;
      }
    } catch (error) {
      if (request.signal.aborted) {
        call.aborted = true;
        return;
      }
      throw error;
    }
  }
}
