import type { RecognizerHypothesis } from '@atlas/fakes';
import { describe, expect, it } from 'vitest';
import { KnownSpeechRecognizer, wordsHeard } from './known-speech-recognizer.js';

const frame = (level: number) => {
  const bytes = new Uint8Array(3_200);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 1_600; i++) view.setInt16(i * 2, i % 2 === 0 ? level : -level, true);
  return bytes;
};
const SILENCE = new Uint8Array(3_200);

function utterance(text: string, firstLevel: number, loudFrames: number) {
  const frames = [
    SILENCE,
    frame(firstLevel),
    ...Array.from({ length: loudFrames - 1 }, () => frame(3_000)),
  ];
  return { text, frames, speech: { first: 1, loudFrames } };
}

function listen(recognizer: KnownSpeechRecognizer, frames: readonly Uint8Array[]) {
  const heard: RecognizerHypothesis[] = [];
  const stream = recognizer.createStream(16_000, (h) => heard.push(h));
  for (const f of frames) stream.write(f);
  stream.end();
  return heard;
}

describe('wordsHeard', () => {
  it('reveals a word once half of its share of the speech has arrived', () => {
    expect(wordsHeard(4, 0, 8)).toBe(0);
    expect(wordsHeard(4, 1, 8)).toBe(1);
    expect(wordsHeard(4, 3, 8)).toBe(2);
    expect(wordsHeard(4, 7, 8)).toBe(4);
    expect(wordsHeard(4, 12, 8)).toBe(4);
    expect(wordsHeard(0, 3, 8)).toBe(0);
  });
});

describe('KnownSpeechRecognizer', () => {
  const weather = utterance('what is the weather', 2_000, 8);
  const egg = utterance('boil an egg', 2_500, 6);
  const recognizer = new KnownSpeechRecognizer([weather, egg]);

  it('recognises an utterance by its first speech frame and reveals it word by word', () => {
    const heard = listen(recognizer, weather.frames.slice(1));
    expect(heard.filter((h) => !h.final).map((h) => h.text)).toEqual([
      'what',
      'what is',
      'what is the',
      'what is the weather',
    ]);
    expect(heard.at(-1)).toEqual({ text: 'what is the weather', final: true });
    expect(listen(recognizer, egg.frames.slice(1)).at(-1)?.text).toBe('boil an egg');
  });

  it('finalises only what was heard when the segment ends early', () => {
    expect(listen(recognizer, weather.frames.slice(1, 4)).at(-1)).toEqual({
      text: 'what is',
      final: true,
    });
  });

  it('hears nothing in unknown speech, and counts it', () => {
    const before = recognizer.unknownSegments;
    expect(listen(recognizer, [frame(9_000), frame(9_000)])).toEqual([{ text: '', final: true }]);
    expect(recognizer.unknownSegments).toBe(before + 1);
  });

  it('refuses an utterance without its first speech frame', () => {
    expect(
      () =>
        new KnownSpeechRecognizer([{ text: 'x', frames: [], speech: { first: 0, loudFrames: 1 } }]),
    ).toThrow(/no first speech frame/);
  });
});
