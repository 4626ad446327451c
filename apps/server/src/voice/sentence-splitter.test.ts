import { describe, expect, it } from 'vitest';
import { SentenceSplitter, type SentenceSplitterOptions } from './sentence-splitter.js';

/** Feeds `text` in pieces of the given sizes (cycled), then flushes. */
function split(
  text: string,
  sizes: readonly number[] = [text.length || 1],
  options?: SentenceSplitterOptions,
) {
  const splitter = new SentenceSplitter(options);
  const out: string[] = [];
  let at = 0;
  for (let k = 0; at < text.length; k++) {
    const size = sizes[k % sizes.length] ?? 1;
    out.push(...splitter.push(text.slice(at, at + size)));
    at += size;
  }
  const rest = splitter.flush();
  if (rest !== undefined) out.push(rest);
  return out;
}

const whole = (text: string, options?: SentenceSplitterOptions) =>
  split(text, [text.length || 1], options);
/** No merging, so each rule is visible on its own. */
const raw = (text: string) => whole(text, { minLength: 0, firstMinLength: 0 });

/** A small deterministic PRNG (mulberry32), so "random" chunkings are reproducible. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REPLY =
  'Sure! Dr. Smith arrived at 3 p.m. on Monday, e.g. after lunch. The price rose 3.14% to ' +
  'version 2.0.1 last week... It was odd. Visit https://example.com/docs?x=1 or mail ' +
  'help@example.org. "Really?" she asked. (Yes.) I think so… maybe not. They moved to the ' +
  'U.S. The end is near!\n\nNew paragraph here, with a list:\n1. First item here.\n2. Second ' +
  'item here. Apples, pears, etc. And more fruit, said Mr. Jones Jr. We left.';

describe('SentenceSplitter: streaming', () => {
  it('gives the same sentences however the text is chunked', () => {
    const expected = whole(REPLY);
    expect(expected.length).toBeGreaterThan(5);
    expect(split(REPLY, [1])).toEqual(expected);
    expect(split(REPLY, [2, 3])).toEqual(expected);
    const next = random(42);
    for (let run = 0; run < 50; run++) {
      const sizes = Array.from({ length: 20 }, () => 1 + Math.floor(next() * 12));
      expect(split(REPLY, sizes)).toEqual(expected);
    }
  });

  it('loses no text', () => {
    const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
    for (const sizes of [[1], [7], [REPLY.length]])
      expect(squash(split(REPLY, sizes).join(' '))).toBe(squash(REPLY));
  });

  it('returns a sentence as soon as the text after it shows it ended', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('This sentence is long enough')).toEqual([]);
    expect(splitter.push('.')).toEqual([]);
    expect(splitter.push(' And')).toEqual(['This sentence is long enough.']);
    expect(splitter.flush()).toBe('And');
  });

  it('waits for the next delta when a period could be a decimal point', () => {
    const splitter = new SentenceSplitter({ minLength: 0, firstMinLength: 0 });
    expect(splitter.push('Pi is about 3.')).toEqual([]);
    expect(splitter.push('14159 exactly. Next')).toEqual(['Pi is about 3.14159 exactly.']);
  });

  it('flushes the rest and starts over, and reset drops everything', () => {
    const splitter = new SentenceSplitter();
    splitter.push('Unfinished thought without an end');
    expect(splitter.flush()).toBe('Unfinished thought without an end');
    expect(splitter.flush()).toBeUndefined();
    splitter.push('Dropped text. More dropped text here.');
    splitter.reset();
    expect(splitter.flush()).toBeUndefined();
    // After a flush the next reply's first sentence may be short again.
    expect(splitter.push('Of course! Here is more.')).toEqual(['Of course!']);
  });

  it('ignores empty deltas and whitespace-only replies', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('')).toEqual([]);
    expect(splitter.push('  \n\n ')).toEqual([]);
    expect(splitter.flush()).toBeUndefined();
  });
});

describe('SentenceSplitter: where sentences end', () => {
  it('ends at . ! ? and …', () => {
    expect(raw('One. Two! Three? Four… Five')).toEqual(['One.', 'Two!', 'Three?', 'Four…', 'Five']);
    expect(raw('What?! Really?? Yes!!! Ok')).toEqual(['What?!', 'Really??', 'Yes!!!', 'Ok']);
  });

  it('keeps closing quotes, brackets and emphasis with their sentence', () => {
    expect(raw('He said "stop." Then (he left.) **Done.** Ok')).toEqual([
      'He said "stop."',
      'Then (he left.)',
      '**Done.**',
      'Ok',
    ]);
    expect(raw('“Why?” she asked. ‘Fine.’ Ok')).toEqual(['“Why?”', 'she asked.', '‘Fine.’', 'Ok']);
  });

  it('ends at newlines and paragraph breaks', () => {
    expect(raw('Title\nFirst line\n\nSecond paragraph')).toEqual([
      'Title',
      'First line',
      'Second paragraph',
    ]);
  });

  it('does not end after titles and Latin abbreviations', () => {
    expect(raw('Ask Dr. Smith and Mrs. Jones. Ok')).toEqual([
      'Ask Dr. Smith and Mrs. Jones.',
      'Ok',
    ]);
    expect(raw('Fruit, e.g. apples, i.e. food. Ok')).toEqual([
      'Fruit, e.g. apples, i.e. food.',
      'Ok',
    ]);
    expect(raw('(Dr. Who) is fun. Ok')).toEqual(['(Dr. Who) is fun.', 'Ok']);
  });

  it('ends after etc. and Inc. only before a capital', () => {
    expect(raw('Pears, plums, etc. are fine. Ok')).toEqual(['Pears, plums, etc. are fine.', 'Ok']);
    expect(raw('Pears, plums, etc. They are fine.')).toEqual([
      'Pears, plums, etc.',
      'They are fine.',
    ]);
    expect(raw('I work at Acme Inc. It is great.')).toEqual([
      'I work at Acme Inc.',
      'It is great.',
    ]);
  });

  it('ends after initials and acronyms only before a sentence opener', () => {
    expect(raw('The U.S. Army moved. Ok')).toEqual(['The U.S. Army moved.', 'Ok']);
    expect(raw('We moved to the U.S. It was far.')).toEqual([
      'We moved to the U.S.',
      'It was far.',
    ]);
    expect(raw('John F. Kennedy spoke. Ok')).toEqual(['John F. Kennedy spoke.', 'Ok']);
    expect(raw('At 5 p.m. we ate. Ok')).toEqual(['At 5 p.m. we ate.', 'Ok']);
    expect(raw('At 5 p.m. The end.')).toEqual(['At 5 p.m.', 'The end.']);
    expect(raw('So do I. Great.')).toEqual(['So do I.', 'Great.']);
  });

  it('does not end inside numbers, versions, URLs and e-mail addresses', () => {
    expect(raw('It costs $3.50 today. Ok')).toEqual(['It costs $3.50 today.', 'Ok']);
    expect(raw('Use Node 20.19.1 or v2.0. Ok')).toEqual(['Use Node 20.19.1 or v2.0.', 'Ok']);
    expect(raw('See https://a.example.com/x.html?q=1!now for it. Ok')).toEqual([
      'See https://a.example.com/x.html?q=1!now for it.',
      'Ok',
    ]);
    expect(raw('Write to jane.doe@mail.example.org. Ok')).toEqual([
      'Write to jane.doe@mail.example.org.',
      'Ok',
    ]);
    expect(raw('Visit example.com. Ok')).toEqual(['Visit example.com.', 'Ok']);
  });

  it('ends at an ellipsis only before a capital, digit or quote', () => {
    expect(raw('Well... maybe later. Ok')).toEqual(['Well... maybe later.', 'Ok']);
    expect(raw('Well... Maybe later.')).toEqual(['Well...', 'Maybe later.']);
    expect(raw('Wait… what? Ok')).toEqual(['Wait… what?', 'Ok']);
    expect(raw('...and then. Ok')).toEqual(['...and then.', 'Ok']);
  });

  it('does not end at a numbered list marker', () => {
    expect(raw('Steps:\n1. Open it.\n2. Close it.')).toEqual([
      'Steps:',
      '1. Open it.',
      '2. Close it.',
    ]);
    expect(raw('It was 1999. Then it ended.')).toEqual(['It was 1999.', 'Then it ended.']);
  });

  it('handles CJK terminators without spaces', () => {
    expect(raw('你好。我很好！你呢？')).toEqual(['你好。', '我很好！', '你呢？']);
  });
});

describe('SentenceSplitter: lengths', () => {
  it('merges short sentences into the next, but lets the first be short', () => {
    expect(whole('Of course! Yes. No. I can do that for you today.')).toEqual([
      'Of course!',
      'Yes. No. I can do that for you today.',
    ]);
    expect(whole('Sure! Here is the answer you need.')).toEqual([
      'Sure! Here is the answer you need.',
    ]);
  });

  it('flushes a short last sentence on its own', () => {
    expect(whole('This first sentence is long enough. Bye.')).toEqual([
      'This first sentence is long enough.',
      'Bye.',
    ]);
  });

  it('cuts a run-on sentence at its last clause boundary', () => {
    const clause = 'this clause goes on for quite a while longer than that';
    const text = `${Array.from({ length: 12 }, () => clause).join(', ')}.`;
    const sentences = split(text, [5]);
    expect(sentences.length).toBeGreaterThan(2);
    for (const sentence of sentences.slice(0, -1)) expect(sentence.endsWith(',')).toBe(true);
    expect(sentences[0]?.length).toBeLessThanOrEqual(100);
    for (const sentence of sentences) expect(sentence.length).toBeLessThanOrEqual(200);
    expect(sentences.join(' ')).toBe(text);
  });

  it('cuts at a space when there is no clause boundary, and anywhere when there is no space', () => {
    const wordy = Array.from({ length: 120 }, (_, k) => `word${k}`).join(' ');
    const sentences = split(wordy, [3]);
    expect(sentences.length).toBeGreaterThan(3);
    for (const sentence of sentences) expect(sentence.length).toBeLessThanOrEqual(200);
    expect(sentences.join(' ')).toBe(wordy);

    const blob = 'x'.repeat(450);
    const pieces = split(blob, [7], { maxLength: 200, firstMaxLength: 100 });
    expect(pieces.join('')).toBe(blob);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(207);
  });

  it('cuts the first sentence sooner than later ones', () => {
    const long = `${'a'.repeat(60)}, ${'b'.repeat(60)}, ${'c'.repeat(60)}, ${'d'.repeat(60)}.`;
    const [first] = whole(long);
    expect(first).toBe(`${'a'.repeat(60)},`);
  });

  it('takes its thresholds as options and rejects impossible ones', () => {
    expect(whole('Hi. Hello there.', { firstMinLength: 0 })).toEqual(['Hi.', 'Hello there.']);
    expect(whole('Hi. Hello there.', { firstMinLength: 4 })).toEqual(['Hi. Hello there.']);
    expect(() => new SentenceSplitter({ minLength: 50, maxLength: 40 })).toThrow(RangeError);
    expect(() => new SentenceSplitter({ firstMaxLength: -1 })).toThrow(RangeError);
    expect(() => new SentenceSplitter({ minLength: 1.5 })).toThrow(RangeError);
  });
});
