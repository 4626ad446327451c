import { describe, expect, it } from 'vitest';
import { FakeAudioContext, FakeMicrophone } from '../testing/fake-audio.js';
import type { CapturedFrame } from './capture-pipeline.js';
import { MicCapture } from './mic-capture.js';

function setup() {
  const context = new FakeAudioContext();
  const microphone = new FakeMicrophone();
  const frames: CapturedFrame[] = [];
  const capture = new MicCapture({
    context: context.asContext(),
    constraints: { echoCancellation: true, autoGainControl: false },
    onFrame: (frame) => frames.push(frame),
    environment: microphone,
  });
  return { context, microphone, frames, capture };
}

describe('MicCapture', () => {
  it('asks for the microphone with the constraints, loads the worklet and forwards its frames', async () => {
    const { context, microphone, frames, capture } = setup();
    await capture.start();
    expect(microphone.constraints[0]).toEqual({
      audio: { echoCancellation: true, autoGainControl: false },
    });
    expect(context.modules).toEqual(['/assets/capture.worklet.js']);
    expect(context.streamSources[0]?.connected).toBe(true);
    microphone.emit(0.25);
    expect(frames.map((frame) => frame.level)).toEqual([0.25]);
  });

  it('stop releases the tracks, the nodes and the port, and silences late frames', async () => {
    const { context, microphone, frames, capture } = setup();
    await capture.start();
    const node = microphone.nodes[0];
    capture.stop();
    capture.stop();
    expect(microphone.tracks.every((track) => track.stopped)).toBe(true);
    expect(context.streamSources[0]?.connected).toBe(false);
    expect(node?.connected).toBe(false);
    expect(node?.port.closed).toBe(true);
    expect(node?.port.posted).toEqual(['stop']);
    node?.emit({ pcm: new ArrayBuffer(2), level: 1 });
    expect(frames).toEqual([]);
  });

  it('stops the tracks when it is stopped while permission was still pending', async () => {
    const { microphone, capture } = setup();
    const starting = capture.start();
    capture.stop();
    await starting;
    expect(microphone.tracks).toHaveLength(1);
    expect(microphone.tracks[0]?.stopped).toBe(true);
    expect(microphone.nodes).toHaveLength(0);
  });

  it('rejects when the microphone is refused', async () => {
    const { microphone, capture } = setup();
    microphone.refuse = true;
    await expect(capture.start()).rejects.toThrow(/Permission denied/);
  });
});
