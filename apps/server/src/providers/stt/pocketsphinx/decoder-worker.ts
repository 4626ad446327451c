/**
 * @module providers/stt/pocketsphinx/decoder-worker
 * The worker thread that owns one PocketSphinx decoder, and how the main thread starts it.
 *
 * Decoding costs ~10 ms of CPU per 100 ms frame (more at the start of speech), synchronously, in
 * native code: on the main thread that would stall every WebSocket, timer and LLM stream of the
 * gateway. So each decoder lives in a `worker_threads` worker and the main thread only posts
 * frames (transferred, not copied) and receives events.
 *
 * The worker's code is {@link decoderWorkerLoop} plus `createDecoderRuntime`, both
 * self-contained, started from their source text with `eval: true` (see decoder-runtime.ts for
 * why). Keep both free of references to anything outside their bodies.
 *
 * Endpointing: PocketSphinx's voice-activity detector keeps its in-speech flag up until
 * `endSilenceMs` of silence follow speech; the flag dropping ends the utterance (final +
 * utterance_end), exactly once per utterance.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  createDecoderRuntime,
  type DecoderConfig,
  type DecoderRuntime,
  type LibraryNames,
} from './decoder-runtime.js';

/** Main → worker. `session` tags everything so a reused worker never mixes two calls. */
export type ToWorker =
  | { readonly type: 'start'; readonly session: number }
  | { readonly type: 'audio'; readonly session: number; readonly pcm: ArrayBuffer }
  | { readonly type: 'finalize'; readonly session: number }
  | { readonly type: 'stop'; readonly session: number }
  | { readonly type: 'shutdown' };

export type DecoderEvent =
  | { readonly type: 'speech_started' }
  | { readonly type: 'partial'; readonly text: string }
  | { readonly type: 'final'; readonly text: string; readonly confidence: number }
  | { readonly type: 'utterance_end' };

export interface SessionStats {
  /** Frames decoded. */
  readonly frames: number;
  /** Audio decoded, ms. */
  readonly audioMs: number;
  /** Wall time the worker spent in the decoder (its own thread), ms. */
  readonly decodeMs: number;
}

/** Worker → main. */
export type FromWorker =
  | { readonly type: 'ready'; readonly threadId: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'event'; readonly session: number; readonly event: DecoderEvent }
  | { readonly type: 'ack'; readonly session: number; readonly frames: number }
  | { readonly type: 'error'; readonly session: number; readonly message: string }
  | { readonly type: 'stopped'; readonly session: number; readonly stats: SessionStats }
  | { readonly type: 'closed' };

export interface WorkerInit {
  readonly koffiPath: string;
  readonly libraries: LibraryNames;
  readonly config: DecoderConfig;
}

/** The slice of `MessagePort` the loop uses. */
export interface WorkerPort {
  postMessage(message: FromWorker): void;
  on(event: 'message', listener: (message: ToWorker) => void): void;
  close(): void;
}

/** The worker's whole life: create the decoder, then serve sessions until `shutdown`. */
export function decoderWorkerLoop(
  loadRuntime: () => DecoderRuntime,
  port: WorkerPort,
  init: WorkerInit,
  threadId: number,
): void {
  let decoder: ReturnType<DecoderRuntime['createDecoder']>;
  try {
    decoder = loadRuntime().createDecoder(init.config);
  } catch (error) {
    port.postMessage({
      type: 'failed',
      message: error instanceof Error ? error.message : String(error),
    });
    port.close();
    return;
  }
  port.postMessage({ type: 'ready', threadId });

  let session = -1;
  let speaking = false;
  let lastPartial = '';
  let frames = 0;
  let samples = 0;
  let decodeMs = 0;

  const emit = (event: DecoderEvent) => port.postMessage({ type: 'event', session, event });
  const endUtterance = () => {
    const result = decoder.end();
    if (result.text) emit({ type: 'final', text: result.text, confidence: result.confidence });
    emit({ type: 'utterance_end' });
    speaking = false;
    lastPartial = '';
    decoder.start();
  };

  port.on('message', (message) => {
    try {
      if (message.type === 'shutdown') {
        decoder.free();
        port.postMessage({ type: 'closed' });
        port.close();
        return;
      }
      if (message.type === 'start') {
        // A new call on a reused decoder: nothing of the previous one carries over.
        if (decoder.inUtterance) decoder.end();
        session = message.session;
        speaking = false;
        lastPartial = '';
        frames = 0;
        samples = 0;
        decodeMs = 0;
        decoder.start();
        return;
      }
      if (message.session !== session) return;
      if (message.type === 'audio') {
        const pcm = new Int16Array(message.pcm);
        const began = performance.now();
        const inSpeech = decoder.process(pcm);
        if (!speaking && inSpeech) {
          speaking = true;
          emit({ type: 'speech_started' });
        }
        if (speaking) {
          const hypothesis = decoder.hypothesis();
          if (hypothesis && hypothesis !== lastPartial) {
            lastPartial = hypothesis;
            emit({ type: 'partial', text: hypothesis });
          }
          if (!inSpeech) endUtterance();
        }
        decodeMs += performance.now() - began;
        frames++;
        samples += pcm.length;
        port.postMessage({ type: 'ack', session, frames });
      } else if (message.type === 'finalize') {
        if (speaking) endUtterance();
      } else if (message.type === 'stop') {
        if (decoder.inUtterance) decoder.end();
        const audioMs = (samples / init.config.sampleRate) * 1000;
        port.postMessage({ type: 'stopped', session, stats: { frames, audioMs, decodeMs } });
        session = -1;
      }
    } catch (error) {
      port.postMessage({
        type: 'error',
        session,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
}

/** The worker's source: the two self-contained functions and a bootstrap calling them. */
export function decoderWorkerSource(): string {
  return [
    "'use strict';",
    "const { parentPort, workerData, threadId } = require('node:worker_threads');",
    `const createDecoderRuntime = ${String(createDecoderRuntime)};`,
    `const decoderWorkerLoop = ${String(decoderWorkerLoop)};`,
    'decoderWorkerLoop(',
    '  () => createDecoderRuntime(require(workerData.koffiPath), workerData.libraries),',
    '  parentPort,',
    '  workerData,',
    '  threadId,',
    ');',
  ].join('\n');
}

let cachedSource: string | undefined;

/** Starts a decoder worker (it posts `ready` or `failed` once the model is loaded). */
export function spawnDecoderWorker(libraries: LibraryNames, config: DecoderConfig): Worker {
  cachedSource ??= decoderWorkerSource();
  const init: WorkerInit = {
    // Resolved here: an eval'd worker's `require` resolves from the process's working directory.
    koffiPath: createRequire(import.meta.url).resolve('koffi'),
    libraries,
    config,
  };
  return new Worker(cachedSource, { eval: true, workerData: init, name: 'pocketsphinx-decoder' });
}
