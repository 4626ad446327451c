/**
 * @module providers/stt/testing/fake-stt
 * A scriptable in-process STT for tests. It "hears" a script: each utterance is a list of words
 * revealed one by one while loud frames arrive, then finalised after enough quiet frames. Tests
 * can also inject any event at any moment (`stream.inject`) or make the stream fail.
 *
 * @example
 * const stt = new FakeSttProvider({ utterances: ['what is the weather'], framesPerWord: 2 });
 * // push loud frames (speech) then silent frames: partials, then final + utterance_end
 */
import { ProviderError } from '../../provider-error.js';
import type {
  SttCapabilities,
  SttEvent,
  SttProvider,
  SttStream,
  SttStreamOptions,
} from '../stt.js';

export interface FakeSttOptions {
  /** What the user says, one entry per turn, in order. */
  utterances?: string[];
  /** Loud frames per revealed word. */
  framesPerWord?: number;
  /** Quiet frames after speech that end the utterance (endpointing). */
  silenceFramesToEnd?: number;
  /** Delay before each event is delivered (recognition lag), ms. */
  lagMs?: number;
  confidence?: number;
  /** Fail with a fatal error after this many frames (across the stream). */
  failAfterFrames?: number;
  /** Peak absolute sample value below which a frame counts as silence. */
  silenceThreshold?: number;
}

type ResolvedOptions = Required<Omit<FakeSttOptions, 'failAfterFrames'>> & {
  failAfterFrames?: number;
};

const CAPABILITIES: SttCapabilities = { interimResults: true, vadEvents: true, sampleRate: 16_000 };

/** True when any sample of the PCM16 LE frame reaches the threshold. */
export function isLoud(frame: Uint8Array, threshold: number): boolean {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  for (let offset = 0; offset + 1 < frame.byteLength; offset += 2) {
    if (Math.abs(view.getInt16(offset, true)) >= threshold) return true;
  }
  return false;
}

export class FakeSttStream implements SttStream {
  readonly frames: Uint8Array[] = [];
  finalizeCalls = 0;
  closed = false;
  #utteranceIndex = 0;
  #revealed = 0;
  #loudFrames = 0;
  #quietFrames = 0;
  #speaking = false;
  readonly #options: ResolvedOptions;
  readonly #onEvent: (event: SttEvent) => void;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: ResolvedOptions, onEvent: (event: SttEvent) => void) {
    this.#options = options;
    this.#onEvent = onEvent;
  }

  /** Delivers an event after the configured lag, unless the stream closed meanwhile. */
  inject(event: SttEvent): void {
    if (this.closed) return;
    if (this.#options.lagMs <= 0) {
      this.#onEvent(event);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.closed) this.#onEvent(event);
    }, this.#options.lagMs);
    this.#timers.add(timer);
  }

  pushAudio(frame: Uint8Array): void {
    if (this.closed) return;
    this.frames.push(frame);
    const { failAfterFrames } = this.#options;
    if (failAfterFrames !== undefined && this.frames.length === failAfterFrames) {
      this.inject({
        type: 'error',
        fatal: true,
        error: new ProviderError('fake STT failure', {
          provider: 'fake',
          capability: 'stt',
          retryable: true,
        }),
      });
      return;
    }
    const words = this.#currentWords();
    if (isLoud(frame, this.#options.silenceThreshold)) {
      this.#quietFrames = 0;
      if (!this.#speaking) {
        this.#speaking = true;
        this.inject({ type: 'speech_started' });
      }
      this.#loudFrames++;
      if (
        words &&
        this.#loudFrames % this.#options.framesPerWord === 0 &&
        this.#revealed < words.length
      ) {
        this.#revealed++;
        this.inject({
          type: 'partial',
          text: words.slice(0, this.#revealed).join(' '),
          confidence: this.#options.confidence,
        });
      }
    } else if (this.#speaking) {
      this.#quietFrames++;
      if (this.#quietFrames >= this.#options.silenceFramesToEnd) this.#endUtterance();
    }
  }

  finalize(): void {
    this.finalizeCalls++;
    if (this.#speaking) this.#endUtterance();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Timers still pending (tests assert none leak after close). */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  #currentWords(): string[] | undefined {
    return this.#options.utterances[this.#utteranceIndex]?.split(/\s+/).filter(Boolean);
  }

  #endUtterance(): void {
    const words = this.#currentWords() ?? [];
    // Whatever was not revealed yet is recognised at the end, as real endpointing does.
    const text = words.join(' ');
    if (text.length > 0) this.inject({ type: 'final', text, confidence: this.#options.confidence });
    this.inject({ type: 'utterance_end' });
    this.#utteranceIndex++;
    this.#revealed = 0;
    this.#loudFrames = 0;
    this.#quietFrames = 0;
    this.#speaking = false;
  }
}

export class FakeSttProvider implements SttProvider {
  readonly name = 'fake-stt';
  readonly capabilities = CAPABILITIES;
  readonly streams: FakeSttStream[] = [];
  #nextUtterances: string[];
  readonly #options: FakeSttOptions;
  /** Makes the next `openStream` reject (e.g. the vendor is unreachable). */
  failOpen: Error | undefined;

  constructor(options: FakeSttOptions = {}) {
    this.#options = options;
    this.#nextUtterances = [...(options.utterances ?? [])];
  }

  /** Replaces what the next opened stream will hear. */
  hear(utterances: string[]): void {
    this.#nextUtterances = [...utterances];
  }

  get lastStream(): FakeSttStream | undefined {
    return this.streams.at(-1);
  }

  async openStream(options: SttStreamOptions): Promise<SttStream> {
    if (this.failOpen) throw this.failOpen;
    const stream = new FakeSttStream(
      {
        utterances: this.#nextUtterances,
        framesPerWord: this.#options.framesPerWord ?? 2,
        silenceFramesToEnd: this.#options.silenceFramesToEnd ?? 5,
        lagMs: this.#options.lagMs ?? 0,
        confidence: this.#options.confidence ?? 0.95,
        silenceThreshold: this.#options.silenceThreshold ?? 500,
        ...(this.#options.failAfterFrames === undefined
          ? {}
          : { failAfterFrames: this.#options.failAfterFrames }),
      },
      options.onEvent,
    );
    this.streams.push(stream);
    return stream;
  }
}
