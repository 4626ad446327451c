/**
 * @module providers/stt/pocketsphinx/pocketsphinx-stt
 * Offline streaming speech-to-text with PocketSphinx: no network, no key, partial hypotheses
 * after every frame. Accuracy is far below Deepgram's; it exists so Atlas can be talked to out
 * of the box and so tests and benchmarks hear real speech.
 *
 * One worker thread per open stream, each owning its own decoder. Why not several sessions per
 * worker: a worker decodes synchronously, so sessions sharing one would queue behind each
 * other's frames (a burst from one caller delays everyone on that worker); with a thread each,
 * the OS scheduler shares the cores and a busy session cannot stall another. Memory is the
 * limit (~100 MB per decoder: PocketSphinx loads the model per decoder), hence `maxStreams`.
 * Decoders take ~0.5 s to load, so a closed stream's worker is kept warm for the next call
 * (`idleWorkers`, dropped after `idleTimeoutMs`); `close()` on the provider frees them all.
 *
 * @example
 * const stt = new PocketSphinxStt();
 * const stream = await stt.openStream({ sampleRate: 16_000, onEvent: handleEvent });
 * stream.pushAudio(frame);        // 100 ms PCM16 frames
 * await stream.close();           // worker back to the warm pool
 * await stt.close();              // every worker and decoder released
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ProviderError } from '../../provider-error.js';
import { PcmResampler } from '../../tts/pcm-resampler.js';
import type {
  SttCapabilities,
  SttEvent,
  SttProvider,
  SttStream,
  SttStreamOptions,
} from '../stt.js';
import type { DecoderConfig, LibraryNames } from './decoder-runtime.js';
import {
  type FromWorker,
  type SessionStats,
  spawnDecoderWorker,
  type ToWorker,
} from './decoder-worker.js';
import {
  DEFAULT_LIBRARIES,
  INSTALL_HINT,
  modelPaths,
  type OfflineAvailability,
  type PocketSphinxLocation,
  pocketSphinxAvailability,
} from './model.js';

/** The en-us acoustic model's rate; other input rates are resampled to it. */
export const POCKETSPHINX_SAMPLE_RATE = 16_000;
/** PocketSphinx gives no confidence for partial hypotheses. */
const PARTIAL_CONFIDENCE = 0.6;
/** How long a graceful worker shutdown may take before it is terminated. */
const SHUTDOWN_GRACE_MS = 2_000;

export interface PocketSphinxSttOptions extends PocketSphinxLocation {
  /** Silence after speech that ends an utterance, ms. Default 500 (PocketSphinx's own). */
  endpointingMs?: number;
  /** Open streams (= workers with a decoder) at most. Default 2 × CPU cores, at least 2. */
  maxStreams?: number;
  /** Decoders kept loaded after their stream closed, for the next call. Default 1. */
  idleWorkers?: number;
  /** An idle decoder is freed after this long, ms. Default 60 000. */
  idleTimeoutMs?: number;
  /** Frames queued for a worker beyond which new audio is dropped (it cannot keep up). Default 300 (30 s). */
  maxBacklogFrames?: number;
}

/** A worker, its decoder, and the session currently using it. */
class DecoderWorker {
  readonly worker: Worker;
  readonly ready: Promise<number>;
  #onMessage: ((message: FromWorker) => void) | undefined;
  #onFailure: ((error: Error) => void) | undefined;
  #exited = false;
  readonly exited: Promise<void>;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(libraries: LibraryNames, config: DecoderConfig) {
    this.worker = spawnDecoderWorker(libraries, config);
    this.ready = new Promise<number>((resolve, reject) => {
      this.#onMessage = (message) => {
        if (message.type === 'ready') resolve(message.threadId);
        else if (message.type === 'failed') reject(new Error(message.message));
      };
      this.#onFailure = reject;
    });
    // Observed so a failed start is never an unhandled rejection; openStream awaits it too.
    this.ready.catch(() => {});
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', () => {
        this.#exited = true;
        this.#onFailure?.(new Error('pocketsphinx worker exited'));
        resolve();
      });
    });
    this.worker.on('message', (message: FromWorker) => this.#onMessage?.(message));
    this.worker.on('error', (error) => this.#onFailure?.(error));
  }

  get alive(): boolean {
    return !this.#exited;
  }

  /** Routes the worker's messages and failures to one session. */
  attach(onMessage: (message: FromWorker) => void, onFailure: (error: Error) => void): void {
    this.#onMessage = onMessage;
    this.#onFailure = onFailure;
  }

  detach(): void {
    this.#onMessage = undefined;
    this.#onFailure = undefined;
  }

  post(message: ToWorker, transfer?: ArrayBuffer[]): void {
    if (this.#exited) return;
    this.worker.postMessage(message, transfer);
  }

  /** Frees the decoder in the worker (native memory outlives a terminated thread), then exits. */
  async shutdown(): Promise<void> {
    clearTimeout(this.idleTimer);
    if (this.#exited) return;
    this.detach();
    this.post({ type: 'shutdown' });
    const timer = setTimeout(() => void this.worker.terminate(), SHUTDOWN_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * @example
 * const stt = new PocketSphinxStt({ endpointingMs: 400 });
 * if (!PocketSphinxStt.available().available) throw new Error('no offline STT');
 */
export class PocketSphinxStt implements SttProvider {
  readonly name = 'pocketsphinx';
  readonly capabilities: SttCapabilities = {
    interimResults: true,
    vadEvents: true,
    sampleRate: POCKETSPHINX_SAMPLE_RATE,
  };
  readonly #libraries: LibraryNames;
  readonly #config: DecoderConfig;
  readonly #maxStreams: number;
  readonly #idleWorkers: number;
  readonly #idleTimeoutMs: number;
  readonly #maxBacklogFrames: number;
  readonly #idle: DecoderWorker[] = [];
  readonly #all = new Set<DecoderWorker>();
  #openStreams = 0;
  #sessions = 0;
  #closed = false;

  constructor(options: PocketSphinxSttOptions = {}) {
    this.#libraries = options.libraries ?? DEFAULT_LIBRARIES;
    this.#config = {
      ...modelPaths(options),
      sampleRate: POCKETSPHINX_SAMPLE_RATE,
      endSilenceMs: options.endpointingMs ?? 500,
    };
    this.#maxStreams = options.maxStreams ?? Math.max(2, 2 * availableParallelism());
    this.#idleWorkers = options.idleWorkers ?? 1;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.#maxBacklogFrames = options.maxBacklogFrames ?? 300;
  }

  /** Libraries and model present? The detail names the Debian packages when not. */
  static available(location: PocketSphinxLocation = {}): OfflineAvailability {
    return pocketSphinxAvailability(location);
  }

  /** Live workers (busy and idle): tests check that none leak. */
  get workerCount(): number {
    return this.#all.size;
  }

  /** Loads decoders ahead of the first calls (each takes ~0.5 s), up to `idleWorkers`. */
  async warmUp(count = this.#idleWorkers): Promise<void> {
    const starting: DecoderWorker[] = [];
    while (this.#idle.length + starting.length < count && this.#all.size < this.#maxStreams) {
      const worker = this.#spawn();
      starting.push(worker);
    }
    for (const worker of starting) {
      await worker.ready.catch(() => {});
      if (worker.alive) await this.#release(worker);
    }
  }

  async openStream(options: SttStreamOptions): Promise<PocketSphinxStream> {
    if (this.#closed) throw this.#error('provider is closed', false);
    // Checked here, not left to the decoder: PocketSphinx may exit() the whole process on a
    // model file it cannot read.
    const missing = [this.#config.hmm, this.#config.lm, this.#config.dict].filter(
      (path) => !existsSync(path),
    );
    if (missing.length > 0) {
      throw this.#error(`model files missing (${missing.join(', ')}): ${INSTALL_HINT}`, false);
    }
    if (this.#openStreams >= this.#maxStreams) {
      throw new ProviderError(`pocketsphinx: all ${this.#maxStreams} decoders are busy`, {
        provider: this.name,
        capability: 'stt',
        retryable: true,
        status: 503,
      });
    }
    const worker = this.#takeIdle() ?? this.#spawn();
    this.#openStreams++;
    try {
      const threadId = await worker.ready;
      if (this.#closed) throw this.#error('provider is closed', false);
      const session = ++this.#sessions;
      return new PocketSphinxStream(
        worker,
        session,
        threadId,
        options,
        this.#maxBacklogFrames,
        (stats) => this.#streamClosed(worker, stats),
      );
    } catch (error) {
      this.#openStreams--;
      void this.#discard(worker);
      if (error instanceof ProviderError) throw error;
      throw this.#error(
        `cannot start a decoder: ${error instanceof Error ? error.message : String(error)} (${INSTALL_HINT})`,
        false,
        error,
      );
    }
  }

  /** Stops accepting streams and frees every decoder (open streams get no more events). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#idle.length = 0;
    await Promise.all([...this.#all].map((worker) => this.#discard(worker)));
  }

  #spawn(): DecoderWorker {
    const worker = new DecoderWorker(this.#libraries, this.#config);
    this.#all.add(worker);
    void worker.exited.then(() => {
      this.#all.delete(worker);
      const index = this.#idle.indexOf(worker);
      if (index >= 0) this.#idle.splice(index, 1);
    });
    return worker;
  }

  #takeIdle(): DecoderWorker | undefined {
    for (;;) {
      const worker = this.#idle.pop();
      if (!worker) return undefined;
      clearTimeout(worker.idleTimer);
      if (worker.alive) {
        worker.worker.ref();
        return worker;
      }
    }
  }

  #streamClosed(worker: DecoderWorker, _stats: SessionStats | undefined): Promise<void> {
    this.#openStreams--;
    return this.#release(worker);
  }

  /** Back to the warm pool, or freed when the pool is full, the provider closed or it broke. */
  #release(worker: DecoderWorker): Promise<void> {
    worker.detach();
    if (this.#closed || !worker.alive || this.#idle.length >= this.#idleWorkers) {
      return this.#discard(worker);
    }
    worker.idleTimer = setTimeout(() => {
      const index = this.#idle.indexOf(worker);
      if (index >= 0) this.#idle.splice(index, 1);
      void this.#discard(worker);
    }, this.#idleTimeoutMs);
    // A warm decoder must not keep the process alive on its own.
    worker.idleTimer.unref();
    worker.worker.unref();
    this.#idle.push(worker);
    return Promise.resolve();
  }

  async #discard(worker: DecoderWorker): Promise<void> {
    await worker.shutdown();
    this.#all.delete(worker);
  }

  #error(message: string, retryable: boolean, cause?: unknown): ProviderError {
    return new ProviderError(`pocketsphinx: ${message}`, {
      provider: this.name,
      capability: 'stt',
      retryable,
      cause,
    });
  }
}

/** One call's stream on a borrowed worker. */
export class PocketSphinxStream implements SttStream {
  /** The decoder's thread (never the main thread's 0). */
  readonly decoderThreadId: number;
  readonly #worker: DecoderWorker;
  readonly #session: number;
  readonly #onEvent: (event: SttEvent) => void;
  readonly #resampler: PcmResampler | undefined;
  readonly #maxBacklogFrames: number;
  readonly #onClosed: (stats: SessionStats | undefined) => Promise<void>;
  #carry: number | undefined;
  #posted = 0;
  #acknowledged = 0;
  #droppedFrames = 0;
  #closed = false;
  #failed = false;
  #stats: SessionStats | undefined;
  #stopped: (stats: SessionStats | undefined) => void = () => {};

  constructor(
    worker: DecoderWorker,
    session: number,
    threadId: number,
    options: SttStreamOptions,
    maxBacklogFrames: number,
    onClosed: (stats: SessionStats | undefined) => Promise<void>,
  ) {
    this.#worker = worker;
    this.#session = session;
    this.decoderThreadId = threadId;
    this.#onEvent = options.onEvent;
    this.#maxBacklogFrames = maxBacklogFrames;
    this.#onClosed = onClosed;
    this.#resampler =
      options.sampleRate === POCKETSPHINX_SAMPLE_RATE
        ? undefined
        : new PcmResampler(options.sampleRate, POCKETSPHINX_SAMPLE_RATE);
    worker.attach(
      (message) => this.#handle(message),
      (error) => this.#fail(error),
    );
    worker.post({ type: 'start', session });
  }

  /** Decoder statistics of the closed stream (frames, audio and decode time). */
  get stats(): SessionStats | undefined {
    return this.#stats;
  }

  /** Frames the worker has decoded so far. */
  get framesDecoded(): number {
    return this.#acknowledged;
  }

  /** Frames dropped because the decoder fell too far behind. */
  get droppedFrames(): number {
    return this.#droppedFrames;
  }

  pushAudio(frame: Uint8Array): void {
    if (this.#closed || this.#failed || frame.byteLength === 0) return;
    if (this.#posted - this.#acknowledged >= this.#maxBacklogFrames) {
      if (this.#droppedFrames++ === 0) {
        this.#emit({
          type: 'error',
          fatal: false,
          error: new ProviderError('pocketsphinx: decoder cannot keep up, dropping audio', {
            provider: 'pocketsphinx',
            capability: 'stt',
            retryable: true,
          }),
        });
      }
      return;
    }
    let samples = this.#wholeSamples(frame);
    if (this.#resampler) samples = this.#resampler.push(samples);
    if (samples.length === 0) return;
    // `samples` owns its buffer exactly (fresh copy or resampler output): transfer, no copy.
    const buffer = samples.buffer as ArrayBuffer;
    this.#posted++;
    this.#worker.post({ type: 'audio', session: this.#session, pcm: buffer }, [buffer]);
  }

  finalize(): void {
    if (this.#closed || this.#failed) return;
    this.#worker.post({ type: 'finalize', session: this.#session });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#failed || !this.#worker.alive) {
      await this.#onClosed(undefined);
      return;
    }
    const stopped = new Promise<SessionStats | undefined>((resolve) => {
      this.#stopped = resolve;
    });
    const timeout = setTimeout(() => this.#stopped(undefined), SHUTDOWN_GRACE_MS);
    this.#worker.post({ type: 'stop', session: this.#session });
    this.#stats = await stopped;
    clearTimeout(timeout);
    // Back to the warm pool, or the decoder freed and its thread ended before close() resolves.
    await this.#onClosed(this.#stats);
  }

  /** A fresh, aligned copy of the frame's whole samples; an odd trailing byte waits for the next. */
  #wholeSamples(frame: Uint8Array): Int16Array {
    const carried = this.#carry === undefined ? 0 : 1;
    const total = frame.byteLength + carried;
    const even = total & ~1;
    const bytes = new Uint8Array(even);
    if (carried && even > 0) {
      bytes[0] = this.#carry ?? 0;
      bytes.set(frame.subarray(0, even - 1), 1);
    } else if (!carried) {
      bytes.set(frame.subarray(0, even));
    }
    this.#carry = total === even ? undefined : frame[frame.byteLength - 1];
    return new Int16Array(bytes.buffer);
  }

  #handle(message: FromWorker): void {
    if (!('session' in message) || message.session !== this.#session) return;
    switch (message.type) {
      case 'ack':
        this.#acknowledged = message.frames;
        return;
      case 'stopped':
        this.#stopped(message.stats);
        return;
      case 'error':
        this.#emit({
          type: 'error',
          fatal: false,
          error: new ProviderError(`pocketsphinx: ${message.message}`, {
            provider: 'pocketsphinx',
            capability: 'stt',
            retryable: true,
          }),
        });
        return;
      case 'event': {
        const event = message.event;
        if (event.type === 'partial') {
          this.#emit({ type: 'partial', text: event.text, confidence: PARTIAL_CONFIDENCE });
        } else {
          this.#emit(event);
        }
        return;
      }
    }
  }

  #fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#stopped(undefined);
    this.#emit({
      type: 'error',
      fatal: true,
      error: new ProviderError(`pocketsphinx: decoder worker failed: ${error.message}`, {
        provider: 'pocketsphinx',
        capability: 'stt',
        retryable: true,
        cause: error,
      }),
    });
  }

  #emit(event: SttEvent): void {
    // The contract: no events after close().
    if (this.#closed) return;
    this.#onEvent(event);
  }
}
