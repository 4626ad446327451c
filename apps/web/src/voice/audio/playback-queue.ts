/**
 * @module voice/audio/playback-queue
 * Plays the assistant's PCM16 audio on one AudioContext, chunk after chunk with no gaps: each
 * buffer starts at max(now + lead, end of the previous one), so chunks that arrive early queue
 * up back to back and a chunk that arrives after the queue ran dry (an underrun) starts a
 * moment from now instead of in the past. `flush()` silences everything at once (the server
 * said `interrupted`, the user barged in, the call ended).
 *
 * Audio arrives in network-sized pieces that may split a sample; the odd byte is carried over
 * to the next piece of the same stream and dropped by `beginStream()` and `flush()`.
 */
import { pcm16ToFloat } from './pcm16.js';

/** The parts of an AudioContext the queue uses (tests pass a fake). */
export interface PlaybackContext {
  readonly currentTime: number;
  readonly destination: AudioNode;
  createBuffer(channels: number, length: number, sampleRate: number): AudioBuffer;
  createBufferSource(): AudioBufferSourceNode;
}

export interface PlaybackStats {
  /** Audio scheduled since the queue was created, in ms. */
  scheduledMs: number;
  /** Buffers scheduled. */
  chunks: number;
  /** Times the queue was flushed. */
  flushes: number;
  /** Whether audio is playing or scheduled to play. */
  playing: boolean;
}

export interface PlaybackQueueOptions {
  /** Head start for a chunk that starts from an empty queue, in seconds. */
  leadSeconds?: number;
  onStats?: (stats: PlaybackStats) => void;
}

export const DEFAULT_PLAYBACK_LEAD_SECONDS = 0.05;

export class PlaybackQueue {
  readonly #context: PlaybackContext;
  readonly #lead: number;
  readonly #onStats: ((stats: PlaybackStats) => void) | undefined;
  readonly #active = new Set<AudioBufferSourceNode>();
  /** Context time at which the last scheduled buffer ends. */
  #endTime = 0;
  #sampleRate = 24_000;
  #carry: number | undefined;
  #stats: PlaybackStats = { scheduledMs: 0, chunks: 0, flushes: 0, playing: false };

  constructor(context: PlaybackContext, options: PlaybackQueueOptions = {}) {
    this.#context = context;
    this.#lead = options.leadSeconds ?? DEFAULT_PLAYBACK_LEAD_SECONDS;
    this.#onStats = options.onStats;
  }

  get stats(): PlaybackStats {
    return { ...this.#stats };
  }

  get playing(): boolean {
    return this.#active.size > 0;
  }

  /** A new stream of audio (`audio_start`): its rate applies to the following chunks. */
  beginStream(sampleRate: number): void {
    if (!Number.isFinite(sampleRate) || sampleRate <= 0) {
      throw new RangeError(`Playback needs a positive sample rate (got ${sampleRate}).`);
    }
    this.#sampleRate = sampleRate;
    this.#carry = undefined;
  }

  /** Schedules a piece of PCM16 LE mono audio right after what is already queued. */
  enqueue(piece: Uint8Array): void {
    const bytes = this.#withCarry(piece);
    const samples = pcm16ToFloat(bytes);
    if (samples.length === 0) return;
    const buffer = this.#context.createBuffer(1, samples.length, this.#sampleRate);
    buffer.copyToChannel(samples, 0);
    const source = this.#context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.#context.destination);
    const startAt = Math.max(this.#context.currentTime + this.#lead, this.#endTime);
    source.onended = () => {
      source.disconnect();
      if (this.#active.delete(source)) this.#update();
    };
    source.start(startAt);
    this.#active.add(source);
    this.#endTime = startAt + samples.length / this.#sampleRate;
    this.#stats.scheduledMs += (samples.length / this.#sampleRate) * 1000;
    this.#stats.chunks += 1;
    this.#update();
  }

  /**
   * Stops every scheduled buffer at once and starts the timeline afresh. Counted in `flushes`
   * only when it silenced something, so the counter says how often playback was really cut.
   */
  flush(): void {
    const silenced = this.#active.size > 0;
    for (const source of this.#active) {
      source.onended = null;
      try {
        source.stop();
      } catch {
        // Already stopped: nothing to do.
      }
      source.disconnect();
    }
    this.#active.clear();
    this.#endTime = 0;
    this.#carry = undefined;
    if (!silenced) return;
    this.#stats.flushes += 1;
    this.#update();
  }

  #withCarry(piece: Uint8Array): Uint8Array {
    let bytes = piece;
    if (this.#carry !== undefined) {
      bytes = new Uint8Array(piece.byteLength + 1);
      bytes[0] = this.#carry;
      bytes.set(piece, 1);
      this.#carry = undefined;
    }
    if (bytes.byteLength % 2 === 1) {
      this.#carry = bytes[bytes.byteLength - 1];
      bytes = bytes.subarray(0, bytes.byteLength - 1);
    }
    return bytes;
  }

  #update(): void {
    this.#stats.playing = this.#active.size > 0;
    this.#onStats?.(this.stats);
  }
}
