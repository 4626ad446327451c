/**
 * @module voice/synthesis-job
 * One sentence being synthesised. Synthesis runs ahead of playback (the next sentence is prepared
 * while the current one streams), so chunks are buffered here until the sender drains them.
 *
 * Chunks that are already waiting when the sender comes for them leave as one (up to
 * {@link MAX_COALESCED_BYTES}): a synthesiser that runs ahead delivers dozens of small reads per
 * sentence, and each WebSocket message costs a frame, a write and a wake-up on both ends. Nothing
 * ever waits to be coalesced, so the first audio leaves as soon as it arrives.
 */
import type { TtsProvider } from '../providers/tts/tts.js';

export class SynthesisJob {
  #text: string;
  readonly #chunks: Uint8Array[] = [];
  #started = false;
  #done = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  /** Milliseconds from start to the first chunk; null until it arrives. */
  firstByteMs: number | null = null;

  constructor(text: string) {
    this.#text = text;
  }

  /** What is (or will be) synthesised. */
  get text(): string {
    return this.#text;
  }

  get started(): boolean {
    return this.#started;
  }

  /**
   * Adds a sentence to a job that has not started, up to {@link MAX_JOB_CHARACTERS}; false
   * when it cannot take it (the caller starts a new job).
   */
  append(sentence: string): boolean {
    if (this.#started || this.#text.length + 1 + sentence.length > MAX_JOB_CHARACTERS) return false;
    this.#text = `${this.#text} ${sentence}`;
    return true;
  }

  start(tts: TtsProvider, signal: AbortSignal, now: () => number): void {
    if (this.#started) return;
    this.#started = true;
    const startedAt = now();
    void (async () => {
      try {
        for await (const chunk of tts.synthesize({ text: this.#text, signal })) {
          if (this.firstByteMs === null) this.firstByteMs = now() - startedAt;
          this.#chunks.push(chunk);
          this.#notify();
        }
      } catch (error) {
        this.#error = error;
      } finally {
        this.#done = true;
        this.#notify();
      }
    })();
  }

  /**
   * Yields the audio as it arrives, the chunks waiting at each step joined; rethrows a synthesis
   * failure after the last good chunk.
   */
  async *drain(): AsyncGenerator<Uint8Array> {
    let index = 0;
    for (;;) {
      while (index < this.#chunks.length) {
        let end = index + 1;
        let bytes = (this.#chunks[index] as Uint8Array).byteLength;
        while (end < this.#chunks.length) {
          const next = (this.#chunks[end] as Uint8Array).byteLength;
          if (bytes + next > MAX_COALESCED_BYTES) break;
          bytes += next;
          end++;
        }
        const chunk =
          end === index + 1 ? (this.#chunks[index] as Uint8Array) : this.#join(index, end, bytes);
        // Drop the references once handed out: a long sentence must not pin all of its audio.
        this.#chunks.fill(EMPTY, index, end);
        index = end;
        yield chunk;
      }
      if (this.#done) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #join(from: number, to: number, bytes: number): Uint8Array {
    const joined = new Uint8Array(bytes);
    let offset = 0;
    for (let i = from; i < to; i++) {
      const chunk = this.#chunks[i] as Uint8Array;
      joined.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return joined;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

const EMPTY = new Uint8Array(0);
/** Sentences joined into one request stay well under OpenAI's 4,096-character input limit. */
export const MAX_JOB_CHARACTERS = 600;
/** 1 s of 24 kHz PCM16: large enough to save most messages, small enough to stay a stream. */
export const MAX_COALESCED_BYTES = 48_000;
