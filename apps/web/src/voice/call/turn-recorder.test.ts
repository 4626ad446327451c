import { describe, expect, it } from 'vitest';
import { MAX_TURN_FRAMES, PRE_ROLL_FRAMES, TurnRecorder } from './turn-recorder.js';

const frame = (level: number, marker = 0) => ({
  pcm: new Uint8Array(3_200).fill(marker).buffer,
  level,
});

describe('TurnRecorder', () => {
  it('records from a short pre-roll before speech until 800 ms of silence', () => {
    const recorder = new TurnRecorder();
    for (let i = 0; i < 10; i++) expect(recorder.push(frame(0, 1))).toBeUndefined();
    expect(recorder.push(frame(0.1, 2))).toBeUndefined();
    expect(recorder.push(frame(0.1, 2))).toBe('speech_start');
    expect(recorder.recording).toBe(true);
    for (let i = 0; i < 7; i++) expect(recorder.push(frame(0, 3))).toBeUndefined();
    expect(recorder.push(frame(0, 3))).toBe('turn_complete');
    const pcm = recorder.take();
    // Pre-roll (the first speech frames included) + the silence that ended the turn.
    expect(pcm.byteLength).toBe((PRE_ROLL_FRAMES + 8) * 3_200);
    expect(pcm[(PRE_ROLL_FRAMES - 2) * 3_200]).toBe(2);
    expect(recorder.recording).toBe(false);
  });

  it('completes a turn that reaches the length cap', () => {
    const recorder = new TurnRecorder();
    recorder.push(frame(0.5));
    recorder.push(frame(0.5));
    let event: string | undefined;
    for (let i = 0; i < MAX_TURN_FRAMES && event === undefined; i++)
      event = recorder.push(frame(0.5));
    expect(event).toBe('turn_complete');
  });
});
