import { describe, expect, it } from 'vitest';
import { FakeAudioContext } from '../testing/fake-audio.js';
import { type PlaybackContext, PlaybackQueue, type PlaybackStats } from './playback-queue.js';

/** `ms` of PCM16 silence at `rate`. */
const pcm = (ms: number, rate = 24_000) => new Uint8Array(((rate * ms) / 1000) * 2);

function setup(lead = 0.05) {
  const context = new FakeAudioContext();
  const stats: PlaybackStats[] = [];
  const queue = new PlaybackQueue(context as unknown as PlaybackContext, {
    leadSeconds: lead,
    onStats: (s) => stats.push(s),
  });
  queue.beginStream(24_000);
  return { context, queue, stats };
}

describe('PlaybackQueue', () => {
  it('schedules chunks back to back with no gaps', () => {
    const { context, queue } = setup();
    context.currentTime = 10;
    queue.enqueue(pcm(100));
    queue.enqueue(pcm(200));
    queue.enqueue(pcm(50));
    const starts = context.sources.map((source) => source.startedAt);
    expect(starts[0]).toBeCloseTo(10.05, 9);
    expect(starts[1]).toBeCloseTo(10.15, 9);
    expect(starts[2]).toBeCloseTo(10.35, 9);
    expect(context.sources.every((source) => source.connected)).toBe(true);
    expect(queue.stats).toEqual({ scheduledMs: 350, chunks: 3, flushes: 0, playing: true });
  });

  it('starts a chunk that arrives after an underrun at now + lead, not in the past', () => {
    const { context, queue } = setup();
    queue.enqueue(pcm(100)); // plays 0.05 … 0.15
    context.currentTime = 2; // the queue ran dry long ago
    queue.enqueue(pcm(100));
    expect(context.sources[1]?.startedAt).toBeCloseTo(2.05, 9);
  });

  it('flush stops every scheduled source at once and starts the timeline afresh', () => {
    const { context, queue, stats } = setup();
    context.currentTime = 5;
    queue.enqueue(pcm(500));
    queue.enqueue(pcm(500));
    queue.flush();
    expect(context.sources.every((source) => source.stopped && !source.connected)).toBe(true);
    expect(queue.playing).toBe(false);
    expect(stats.at(-1)).toMatchObject({ flushes: 1, playing: false, chunks: 2 });
    // The next chunk starts from now, not after the audio that was cut.
    queue.enqueue(pcm(100));
    expect(context.sources[2]?.startedAt).toBeCloseTo(5.05, 9);
  });

  it('does not count a flush that had nothing to stop', () => {
    const { queue, stats } = setup();
    queue.flush();
    expect(queue.stats.flushes).toBe(0);
    expect(stats).toEqual([]);
  });

  it('tracks what is playing as sources end', () => {
    const { context, queue } = setup();
    queue.enqueue(pcm(100));
    queue.enqueue(pcm(100));
    context.sources[0]?.end();
    expect(queue.playing).toBe(true);
    context.sources[1]?.end();
    expect(queue.playing).toBe(false);
    expect(context.sources[1]?.connected).toBe(false);
  });

  it('carries an odd byte over to the next piece so no sample is split', () => {
    const { context, queue } = setup();
    // Samples 0x4000 (0.5) and 0xc000 (-0.5) split as 3 bytes + 1 byte.
    queue.enqueue(new Uint8Array([0x00, 0x40, 0x00]));
    queue.enqueue(new Uint8Array([0xc0]));
    expect(context.sources).toHaveLength(2);
    expect(Array.from(context.sources[0]?.buffer?.data ?? [])).toEqual([0.5]);
    expect(Array.from(context.sources[1]?.buffer?.data ?? [])).toEqual([-0.5]);
    // A lone byte schedules nothing; a new stream drops a dangling byte.
    queue.enqueue(new Uint8Array([0x01]));
    queue.beginStream(16_000);
    queue.enqueue(new Uint8Array([0x00, 0x40]));
    expect(Array.from(context.sources[2]?.buffer?.data ?? [])).toEqual([0.5]);
    expect(context.sources[2]?.buffer?.sampleRate).toBe(16_000);
  });

  it('refuses a sample rate that is not positive', () => {
    const { queue } = setup();
    expect(() => queue.beginStream(0)).toThrow(RangeError);
  });
});
