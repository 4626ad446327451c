/**
 * @module voice/testing/fake-audio
 * Web Audio and media fakes: an AudioContext whose clock the test sets, buffer sources that
 * record when they were started and stopped, and a microphone whose tracks record `stop()`.
 * Everything created is listed so a cleanup test can check nothing was left running.
 */
import type { CapturedFrame } from '../audio/capture-pipeline.js';
import type { CaptureEnvironment } from '../audio/mic-capture.js';

export class FakeBufferSource {
  buffer: { length: number; sampleRate: number; duration: number; data: Float32Array } | null =
    null;
  onended: (() => void) | null = null;
  startedAt: number | undefined;
  stopped = false;
  connected = false;
  connect(): void {
    this.connected = true;
  }
  disconnect(): void {
    this.connected = false;
  }
  start(when = 0): void {
    this.startedAt = when;
  }
  stop(): void {
    this.stopped = true;
  }
  /** The audio finished playing. */
  end(): void {
    this.onended?.();
  }
}

export class FakeNode {
  connected = false;
  readonly port = {
    onmessage: null as ((event: MessageEvent<CapturedFrame>) => void) | null,
    closed: false,
    posted: [] as unknown[],
    postMessage(message: unknown) {
      this.posted.push(message);
    },
    close() {
      this.closed = true;
    },
  };
  connect(): void {
    this.connected = true;
  }
  disconnect(): void {
    this.connected = false;
  }
  /** The worklet posts a frame. */
  emit(frame: CapturedFrame): void {
    this.port.onmessage?.(new MessageEvent('message', { data: frame }));
  }
}

export class FakeAudioContext {
  static readonly created: FakeAudioContext[] = [];
  currentTime = 0;
  state: 'running' | 'suspended' | 'closed' = 'suspended';
  readonly destination = {} as AudioNode;
  readonly sources: FakeBufferSource[] = [];
  readonly streamSources: FakeNode[] = [];
  readonly modules: string[] = [];
  readonly audioWorklet = {
    addModule: async (url: string) => {
      this.modules.push(url);
    },
  };

  constructor() {
    FakeAudioContext.created.push(this);
  }

  createBuffer(_channels: number, length: number, sampleRate: number) {
    const data = new Float32Array(length);
    return {
      length,
      sampleRate,
      duration: length / sampleRate,
      data,
      copyToChannel(samples: Float32Array) {
        data.set(samples);
      },
    };
  }

  createBufferSource(): FakeBufferSource {
    const source = new FakeBufferSource();
    this.sources.push(source);
    return source;
  }

  createMediaStreamSource(): FakeNode {
    const node = new FakeNode();
    this.streamSources.push(node);
    return node;
  }

  async resume(): Promise<void> {
    if (this.state !== 'closed') this.state = 'running';
  }

  async close(): Promise<void> {
    this.state = 'closed';
  }

  /** Typed as the real thing for code that takes an AudioContext. */
  asContext(): AudioContext {
    return this as unknown as AudioContext;
  }
}

export class FakeTrack {
  stopped = false;
  stop(): void {
    this.stopped = true;
  }
}

export class FakeMicrophone implements CaptureEnvironment {
  readonly tracks: FakeTrack[] = [];
  readonly nodes: FakeNode[] = [];
  readonly constraints: MediaStreamConstraints[] = [];
  workletUrl = '/assets/capture.worklet.js';
  refuse = false;

  async getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
    this.constraints.push(constraints);
    if (this.refuse) throw new DOMException('Permission denied', 'NotAllowedError');
    const track = new FakeTrack();
    this.tracks.push(track);
    return { getTracks: () => [track] } as unknown as MediaStream;
  }

  createWorkletNode(): AudioWorkletNode {
    const node = new FakeNode();
    this.nodes.push(node);
    return node as unknown as AudioWorkletNode;
  }

  /** The worklet of the latest capture posts one frame of the given level. */
  emit(level: number): void {
    this.nodes.at(-1)?.emit({ pcm: new ArrayBuffer(3_200), level });
  }
}
