import { describe, expect, it } from 'vitest';
import type { RecognizerHypothesis } from '../../../../packages/fakes/src/index.js';
import { RepeatingRecognizer } from './repeating-recognizer.js';

const RATE = 16_000;
/** 100 ms of PCM16 at a constant level (above the fakes' speech threshold when loud). */
const frame = (level: number) => {
  const bytes = new Uint8Array((RATE / 10) * 2);
  const view = new DataView(bytes.buffer);
  for (let offset = 0; offset < bytes.byteLength; offset += 2) view.setInt16(offset, level, true);
  return bytes;
};

function hear(recognizer: RepeatingRecognizer, loudFrames: number): RecognizerHypothesis[] {
  const heard: RecognizerHypothesis[] = [];
  const stream = recognizer.createStream(RATE, (hypothesis) => heard.push(hypothesis));
  for (let i = 0; i < loudFrames; i++) stream.write(frame(4_000));
  stream.end();
  return heard;
}

describe('RepeatingRecognizer', () => {
  it('hears the same sentence in every segment, revealing words as speech arrives', () => {
    const recognizer = new RepeatingRecognizer('what is the weather');
    for (let turn = 0; turn < 3; turn++) {
      const heard = hear(recognizer, 8);
      expect(heard.filter((h) => !h.final).map((h) => h.text)).toEqual([
        'what',
        'what is',
        'what is the',
        'what is the weather',
      ]);
      expect(heard.at(-1)).toMatchObject({ text: 'what is the weather', final: true });
    }
    expect(recognizer.segmentsHeard).toBe(3);
  });

  it('gives the whole sentence as the final result even when little speech was heard', () => {
    const heard = hear(new RepeatingRecognizer('good morning to you'), 1);
    expect(heard.map((h) => h.text)).toEqual(['good', 'good morning to you']);
  });

  it('does not count a segment the connection dropped', () => {
    const recognizer = new RepeatingRecognizer('hello');
    const stream = recognizer.createStream(RATE, () => {});
    stream.write(frame(4_000));
    stream.cancel?.();
    expect(recognizer.segmentsHeard).toBe(0);
  });
});
