/**
 * @module voice/sentence-splitter
 * Cuts a streaming LLM reply into sentences for TTS, as the text arrives.
 *
 * TTS is requested per sentence, so where the text is cut decides both how soon the first audio
 * starts and how natural it sounds. The rules:
 * - A sentence ends at `.`, `!`, `?`, `…` (and `。！？`), with any closing quotes, brackets or
 *   markdown emphasis after it, when whitespace follows; or at a newline.
 * - A period does not end a sentence inside numbers, versions, URLs or e-mail addresses (no
 *   whitespace follows), after titles and Latin abbreviations (`Mr.`, `Dr.`, `e.g.`, `i.e.`),
 *   or after a list marker at the start of a line (`1. `). After `etc.`, `Inc.`, `Jr.`... it
 *   does when a capital letter follows; after initials and acronyms (`J.`, `U.S.`, `a.m.`) only
 *   when a common sentence opener follows (`It`, `The`, `We`...), since names and nouns follow
 *   them more often. An ellipsis ends a sentence only before a capital, digit or quote.
 * - Sentences shorter than `minLength` are merged into the next one (tiny TTS requests sound
 *   choppy and cost a round trip each); the first may be as short as `firstMinLength`, so the
 *   first audio starts early.
 * - A sentence that grows past `maxLength` (`firstMaxLength` for the first) is cut at its last
 *   clause boundary (`,` `;` `:` or a dash, before a space), else its last space, else where it
 *   is, so TTS never waits for a 500-character run-on.
 *
 * Work per delta is proportional to the delta: scanning resumes where it stopped, and a decision
 * that needs text not yet received (is `3.` followed by `14`?) waits for the next delta.
 *
 * @example
 * const splitter = new SentenceSplitter();
 * for await (const delta of llmText) for (const s of splitter.push(delta)) speak(s);
 * const rest = splitter.flush();
 * if (rest) speak(rest);
 */

export interface SentenceSplitterOptions {
  /** Sentences shorter than this (in characters, trimmed) merge into the next one. Default 20. */
  readonly minLength?: number;
  /** The same for the first sentence of a reply, so its audio starts early. Default 8. */
  readonly firstMinLength?: number;
  /** Past this length a sentence is cut at a clause boundary or space. Default 200. */
  readonly maxLength?: number;
  /** The same for the first sentence. Default 100. */
  readonly firstMaxLength?: number;
}

function words(list: string): ReadonlySet<string> {
  return new Set(list.split(' '));
}

/** Titles and inline abbreviations: a period after them never ends a sentence. */
const NEVER_FINAL = words(
  'mr mrs ms mx dr prof st mt ft sgt capt lt col gen rev hon sen rep gov pres vs e.g i.e cf ' +
    'viz approx ca fig figs vol ch sec pp tel dept est incl',
);

/** Abbreviations that also end sentences: they do when a capital letter follows. */
const MAYBE_FINAL = words('etc inc ltd co corp llc jr sr bros al min max hrs mins ph.d');

/** Words that open sentences; after an initial or acronym they mark a sentence end. */
const OPENERS = words(
  "A After Also An And As At But By For He Her Here His How I If In It Its It's My No Now Of " +
    'On Our Please She So Some That The Their Then There These They This Those To We What When ' +
    "Where Which While Who Why With Yes You Your However Since Today Let Let's Thanks It’s Let’s",
);

/** Characters that may follow a terminator and still belong to its sentence. */
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '}', '»', '*', '_', '`', '」', '』', '）']);
/** Characters a token can start after (so `(Dr.` is read as `Dr`). */
const OPENING = new Set(['"', "'", '“', '‘', '(', '[', '{', '«', '*', '_', '`']);
const CLAUSE = new Set([',', ';', ':', '—', '–']);
const CJK_TERMINATORS = new Set(['。', '！', '？']);

const WAIT = -1;
/** No boundary; scanning resumes at `-(result) - 2`. Encoded to keep the hot path allocation-free. */
const skipTo = (index: number): number => -index - 2;

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r' || ch === '\u00a0';
}

function isUpper(ch: string): boolean {
  return ch !== ch.toLowerCase();
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

/** Lengths are counted in UTF-16 units, which is close enough for thresholds. */
export class SentenceSplitter {
  readonly #minLength: number;
  readonly #firstMinLength: number;
  readonly #maxLength: number;
  readonly #firstMaxLength: number;

  /** Text received and not yet returned; it always starts at a sentence start. */
  #buffer = '';
  /** Where scanning resumes. */
  #pos = 0;
  /** The last whitespace after a clause mark, and the last whitespace at all (-1: none). */
  #clauseCut = -1;
  #spaceCut = -1;
  #first = true;

  constructor(options: SentenceSplitterOptions = {}) {
    this.#minLength = options.minLength ?? 20;
    this.#firstMinLength = options.firstMinLength ?? 8;
    this.#maxLength = options.maxLength ?? 200;
    this.#firstMaxLength = options.firstMaxLength ?? 100;
    for (const [min, max] of [
      [this.#minLength, this.#maxLength],
      [this.#firstMinLength, this.#firstMaxLength],
    ] as const) {
      if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 0 && max > min))
        throw new RangeError(`invalid sentence length limits: min ${min}, max ${max}`);
    }
  }

  /** Adds LLM text; returns the sentences it completed (often none). */
  push(delta: string): string[] {
    const out: string[] = [];
    if (delta.length === 0) return out;
    this.#buffer += delta;
    this.#scan(out);
    return out;
  }

  /** Ends the reply: returns what is left (if anything) and makes the splitter ready for the next. */
  flush(): string | undefined {
    const rest = this.#buffer.trim();
    this.reset();
    return rest.length > 0 ? rest : undefined;
  }

  /** Drops everything (the reply was interrupted). */
  reset(): void {
    this.#buffer = '';
    this.#pos = 0;
    this.#clauseCut = -1;
    this.#spaceCut = -1;
    this.#first = true;
  }

  #scan(out: string[]): void {
    let i = this.#pos;
    while (i < this.#buffer.length) {
      const buffer = this.#buffer;
      const ch = buffer.charAt(i);
      let end = -1;
      let next = i + 1;
      if (ch === '\n') {
        end = i + 1;
        this.#spaceCut = i;
      } else if (isSpace(ch)) {
        if (i > 0) {
          if (CLAUSE.has(buffer.charAt(i - 1))) this.#clauseCut = i;
          this.#spaceCut = i;
        }
      } else if (ch === '.' || ch === '!' || ch === '?' || ch === '…' || CJK_TERMINATORS.has(ch)) {
        const decision = this.#decide(i);
        if (decision === WAIT) break;
        if (decision >= 0) {
          end = decision;
          next = decision;
        } else {
          next = -decision - 2;
        }
      }

      if (end >= 0 && this.#trimmedLength(end) >= this.#currentMin()) {
        this.#emit(end, out);
        i = next - end;
      } else {
        i = next;
      }
      if (i > (this.#first ? this.#firstMaxLength : this.#maxLength)) i -= this.#cutLong(i, out);
    }
    this.#pos = i;
  }

  /**
   * Whether the terminator at `i` ends a sentence: the index after it (and its closers), a
   * {@link skipTo} encoding of where to resume, or {@link WAIT} when the text so far cannot tell.
   */
  #decide(i: number): number {
    const buffer = this.#buffer;
    const n = buffer.length;
    const ch = buffer.charAt(i);
    let j = i + 1;
    let ellipsis = ch === '…';
    if (ch === '.') {
      while (j < n && buffer.charAt(j) === '.') j++;
      ellipsis = j - i > 1;
    } else {
      // Runs like `?!`, `!!!`, `?..` or `…!` end where the last mark is.
      while (j < n && '.!?…'.includes(buffer.charAt(j))) j++;
    }
    const runEnd = j;
    while (j < n && CLOSERS.has(buffer.charAt(j))) j++;
    if (j === n) return WAIT;
    if (CJK_TERMINATORS.has(ch)) return j;
    if (!isSpace(buffer.charAt(j))) return skipTo(runEnd);
    if (ch === '!' || ch === '?') return j;

    if (ellipsis) {
      const k = this.#nextVisible(j);
      if (k === n) return WAIT;
      const after = buffer.charAt(k);
      return isUpper(after) || isDigit(after) || OPENING.has(after) ? j : skipTo(runEnd);
    }

    // A single period followed by whitespace: look at the word it ends.
    let start = i;
    while (start > 0 && i - start < 32) {
      const prev = buffer.charAt(start - 1);
      if (isSpace(prev) || OPENING.has(prev)) break;
      start--;
    }
    const token = buffer.slice(start, i);
    if (token.length === 0) return j;
    if (/^\d{1,3}$/.test(token) && this.#atLineStart(start)) return skipTo(runEnd);
    const word = token.toLowerCase();
    if (NEVER_FINAL.has(word)) return skipTo(runEnd);
    const initials = /^(?:[a-z]\.)+[a-z]$/i.test(token) || /^[A-HJ-Z]$/.test(token);
    if (!initials && !MAYBE_FINAL.has(word)) return j;

    const k = this.#nextVisible(j);
    if (k === n) return WAIT;
    if (initials) {
      let e = k;
      while (e < n && /[\p{L}'’]/u.test(buffer.charAt(e))) e++;
      if (e === n) return WAIT;
      return OPENERS.has(buffer.slice(k, e)) ? j : skipTo(runEnd);
    }
    const after = buffer.charAt(k);
    return isUpper(after) || OPENING.has(after) ? j : skipTo(runEnd);
  }

  #nextVisible(from: number): number {
    let k = from;
    while (k < this.#buffer.length && isSpace(this.#buffer.charAt(k))) k++;
    return k;
  }

  /** Only spaces or tabs between `index` and the previous newline (or the sentence start). */
  #atLineStart(index: number): boolean {
    for (let k = index - 1; k >= 0; k--) {
      const ch = this.#buffer.charAt(k);
      if (ch === '\n') return true;
      if (ch !== ' ' && ch !== '\t') return false;
    }
    return true;
  }

  #currentMin(): number {
    return this.#first ? this.#firstMinLength : this.#minLength;
  }

  #trimmedLength(end: number): number {
    let start = 0;
    let stop = end;
    while (start < stop && isSpace(this.#buffer.charAt(start))) start++;
    while (stop > start && isSpace(this.#buffer.charAt(stop - 1))) stop--;
    return stop - start;
  }

  /** Returns the text before `end` as a sentence and keeps the rest. */
  #emit(end: number, out: string[]): void {
    const sentence = this.#buffer.slice(0, end).trim();
    this.#buffer = this.#buffer.slice(end);
    this.#clauseCut = this.#clauseCut >= end ? this.#clauseCut - end : -1;
    this.#spaceCut = this.#spaceCut >= end ? this.#spaceCut - end : -1;
    if (sentence.length > 0) {
      out.push(sentence);
      this.#first = false;
    }
  }

  /** Cuts an over-long sentence scanned up to `i`; returns how far the buffer moved. */
  #cutLong(i: number, out: string[]): number {
    const min = this.#currentMin();
    let at = i;
    if (this.#clauseCut > 0 && this.#trimmedLength(this.#clauseCut) >= min) at = this.#clauseCut;
    else if (this.#spaceCut > 0 && this.#trimmedLength(this.#spaceCut) >= min) at = this.#spaceCut;
    this.#emit(at, out);
    return at;
  }
}
