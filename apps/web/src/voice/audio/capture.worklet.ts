/**
 * @module voice/audio/capture.worklet
 * The AudioWorklet processor that runs on the audio thread: every render quantum goes through
 * the {@link CapturePipeline}, and each finished 100 ms frame is posted to the main thread with
 * its buffer transferred (no copy). Bundled by Vite (`?worker&url`) into a file of its own, so
 * it loads under `script-src 'self'`.
 *
 * The AudioWorkletGlobalScope is not in the DOM typings; the few globals used are typed here.
 */
import { CAPTURE_PROCESSOR_NAME, CapturePipeline } from './capture-pipeline.js';

interface WorkletProcessor {
  readonly port: MessagePort;
}
interface WorkletScope {
  sampleRate: number;
  AudioWorkletProcessor: new () => WorkletProcessor;
  registerProcessor(name: string, processor: new () => WorkletProcessor): void;
}

const scope = globalThis as unknown as WorkletScope;

class CaptureProcessor extends scope.AudioWorkletProcessor {
  readonly #pipeline = new CapturePipeline(scope.sampleRate);
  #stopped = false;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<unknown>) => {
      if (event.data === 'stop') this.#stopped = true;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.#stopped) return false; // lets the node be collected
    const frames = this.#pipeline.push(inputs[0] ?? []);
    for (const frame of frames) this.port.postMessage(frame, [frame.pcm]);
    return true;
  }
}

scope.registerProcessor(CAPTURE_PROCESSOR_NAME, CaptureProcessor);
