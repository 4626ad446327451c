/**
 * @module voice/synthesis-job
 * One sentence being synthesised. Synthesis runs ahead of playback (the next sentence is prepared
 * while the current one streams), so chunks are buffered here until the sender drains them.
 */
import type { TtsProvider } from '../providers/tts/tts.js';

export class SynthesisJob {
  readonly text: string;
  readonly #chunks: Uint8Array[] = [];
  #started = false;
  #done = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  /** Milliseconds from start to the first chunk; null until it arrives. */
  firstByteMs: number | null = null;

  constructor(text: string) {
    this.text = text;
  }

  get started(): boolean {
    return this.#started;
  }

  start(tts: TtsProvider, signal: AbortSignal, now: () => number): void {
    if (this.#started) return;
    this.#started = true;
    const startedAt = now();
    void (async () => {
      try {
        for await (const chunk of tts.synthesize({ text: this.text, signal })) {
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

  /** Yields chunks as they arrive; rethrows a synthesis failure after the last good chunk. */
  async *drain(): AsyncGenerator<Uint8Array> {
    let index = 0;
    for (;;) {
      while (index < this.#chunks.length) {
        const chunk = this.#chunks[index] as Uint8Array;
        // Drop the reference once handed out: a long sentence must not pin all of its audio.
        this.#chunks[index] = EMPTY;
        index++;
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

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

const EMPTY = new Uint8Array(0);
