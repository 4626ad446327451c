import { describe, expect, it } from 'vitest';
import type { Utterance } from './speech-corpus.js';
import { handsFreeRecording, type SseEvent, takeSseEvents } from './v1-bench-client.js';

describe('handsFreeRecording', () => {
  const frame = (value: number) => new Uint8Array(4).fill(value);
  const utterance = (trailing: number): Utterance => ({
    text: 'hi',
    frames: [frame(0), frame(9), frame(9), ...Array.from({ length: trailing }, () => frame(1))],
    speech: { first: 1, last: 2, loudFrames: 2 },
  });

  it('keeps the speech and the silence that ended the turn, and nothing after it', () => {
    const recording = handsFreeRecording(utterance(5), 300);
    expect([...recording]).toEqual([
      ...frame(0),
      ...frame(9),
      ...frame(9),
      ...frame(1),
      ...frame(1),
      ...frame(1),
    ]);
  });

  it('pads with digital silence when the file ends sooner', () => {
    const recording = handsFreeRecording(utterance(1), 300);
    expect([...recording]).toEqual([
      ...frame(0),
      ...frame(9),
      ...frame(9),
      ...frame(1),
      ...frame(0),
      ...frame(0),
    ]);
  });
});

describe('takeSseEvents', () => {
  it('yields complete events and hands back the incomplete rest', () => {
    let rest = '';
    const events: SseEvent[] = [
      ...takeSseEvents(
        'event: delta\ndata: {"text":"Hi"}\n\n: ping\n\nevent: done\ndata: {',
        (r) => {
          rest = r;
        },
      ),
    ];
    expect(events).toEqual([{ event: 'delta', data: '{"text":"Hi"}' }]);
    expect(rest).toBe('event: done\ndata: {');
  });

  it('joins multi-line data and defaults the event name', () => {
    const events = [...takeSseEvents('data: a\ndata: b\n\n', () => {})];
    expect(events).toEqual([{ event: 'message', data: 'a\nb' }]);
  });
});
