/**
 * @module voice/audio/mic-capture
 * Opens the microphone and runs it through the capture worklet on the call's AudioContext:
 * 100 ms PCM16 frames at 16 kHz arrive on `onFrame` with their level. `stop()` releases all of
 * it (tracks stopped, nodes disconnected, port closed) and is safe to call more than once, also
 * while `start` is still waiting for permission.
 */

import workletUrl from './capture.worklet.ts?worker&url';
import { CAPTURE_PROCESSOR_NAME, type CapturedFrame } from './capture-pipeline.js';

/** The parts of the Web Audio and media APIs capture uses, so tests can pass fakes. */
export interface CaptureEnvironment {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  createWorkletNode(context: AudioContext, name: string): AudioWorkletNode;
  workletUrl: string;
}

export const browserCaptureEnvironment = (): CaptureEnvironment => ({
  getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
  createWorkletNode: (context, name) =>
    new AudioWorkletNode(context, name, { numberOfInputs: 1, numberOfOutputs: 0 }),
  workletUrl,
});

export interface MicCaptureOptions {
  context: AudioContext;
  constraints: MediaTrackConstraints;
  onFrame: (frame: CapturedFrame) => void;
  environment?: CaptureEnvironment;
}

export class MicCapture {
  readonly #options: MicCaptureOptions;
  readonly #environment: CaptureEnvironment;
  #stream: MediaStream | undefined;
  #source: MediaStreamAudioSourceNode | undefined;
  #node: AudioWorkletNode | undefined;
  #stopped = false;

  constructor(options: MicCaptureOptions) {
    this.#options = options;
    this.#environment = options.environment ?? browserCaptureEnvironment();
  }

  /** Asks for the microphone and starts producing frames. Rejects when permission is refused. */
  async start(): Promise<void> {
    const { context } = this.#options;
    const stream = await this.#environment.getUserMedia({ audio: this.#options.constraints });
    if (this.#stopped) {
      stopTracks(stream);
      return;
    }
    this.#stream = stream;
    await context.audioWorklet.addModule(this.#environment.workletUrl);
    if (this.#stopped) return;
    const node = this.#environment.createWorkletNode(context, CAPTURE_PROCESSOR_NAME);
    node.port.onmessage = (event: MessageEvent<CapturedFrame>) => {
      if (!this.#stopped) this.#options.onFrame(event.data);
    };
    const source = context.createMediaStreamSource(stream);
    source.connect(node);
    this.#node = node;
    this.#source = source;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#source?.disconnect();
    if (this.#node) {
      this.#node.port.onmessage = null;
      this.#node.port.postMessage('stop');
      this.#node.port.close();
      this.#node.disconnect();
    }
    if (this.#stream) stopTracks(this.#stream);
    this.#source = undefined;
    this.#node = undefined;
    this.#stream = undefined;
  }
}

function stopTracks(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
