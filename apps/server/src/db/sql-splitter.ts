/**
 * @module db/sql-splitter
 * Splits a PostgreSQL script into single statements, so a migration can run statement by
 * statement inside one transaction on any backend (PGlite's `query` takes one statement) and be
 * recorded the way the Supabase CLI records it: each statement as written, leading comments
 * included, surrounding whitespace and the terminating `;` removed.
 *
 * A `;` ends a statement unless it sits in a string ('…', E'…' with backslash escapes, "…"),
 * a dollar-quoted body ($$…$$, $tag$…$tag$), a comment (-- to end of line, nested /* … *\/) or
 * a SQL-standard function body (BEGIN ATOMIC … END). Segments holding only comments are dropped.
 *
 * @example
 * splitSqlStatements("create table t (x int); do $$ begin perform 1; end $$;");
 * // → ['create table t (x int)', 'do $$ begin perform 1; end $$']
 */

export class SqlSplitError extends Error {
  override readonly name = 'SqlSplitError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`${message} (starting on line ${line})`);
  }
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
// A dollar-quote tag follows identifier rules and cannot contain `$`; `$1` is a parameter.
const DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

function lineOf(sql: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (sql.charCodeAt(i) === 10) line++;
  return line;
}

/** Index just past the quote that closes the literal opened at `start`. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  for (let i = start + 1; i < sql.length; i++) {
    const ch = sql[i];
    if (backslashEscapes && ch === '\\') {
      i++;
    } else if (ch === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i++; // a doubled quote stands for itself
    }
  }
  const what = quote === '"' ? 'quoted identifier' : 'string literal';
  throw new SqlSplitError(`Unterminated ${what}`, lineOf(sql, start));
}

/** Index just past the `*\/` closing the (possibly nested) block comment opened at `start`. */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  for (let i = start; i < sql.length - 1; i++) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i++;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
  }
  throw new SqlSplitError('Unterminated block comment', lineOf(sql, start));
}

export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let hasCode = false; // the current segment holds more than whitespace and comments
  let previousWord = '';
  let atomicDepth = 0; // > 0 inside BEGIN ATOMIC … END, counting nested CASE … END

  const finish = (end: number) => {
    if (hasCode) statements.push(sql.slice(start, end).trim());
    start = end + 1;
    hasCode = false;
    previousWord = '';
  };

  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] ?? '';
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (ch === '/' && next === '*') {
      i = skipBlockComment(sql, i);
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === ';' && atomicDepth === 0) {
      finish(i);
      i++;
      continue;
    }
    hasCode = true;
    if (WORD_START.test(ch)) {
      let end = i + 1;
      while (end < sql.length && WORD_PART.test(sql[end] ?? '')) end++;
      const word = sql.slice(i, end).toLowerCase();
      i = end;
      if (word === 'e' && sql[i] === "'") {
        i = skipQuoted(sql, i, "'", true);
        previousWord = '';
        continue;
      }
      if (atomicDepth === 0) {
        if (word === 'atomic' && previousWord === 'begin') atomicDepth = 1;
      } else if (word === 'case') {
        atomicDepth++;
      } else if (word === 'end') {
        atomicDepth--;
      }
      previousWord = word;
      continue;
    }
    previousWord = '';
    if (ch === "'" || ch === '"') {
      i = skipQuoted(sql, i, ch, false);
    } else if (ch === '$') {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 200))?.[0];
      if (tag === undefined) {
        i++;
        continue;
      }
      const close = sql.indexOf(tag, i + tag.length);
      if (close === -1) throw new SqlSplitError(`Unterminated ${tag} body`, lineOf(sql, i));
      i = close + tag.length;
    } else {
      i++;
    }
  }
  finish(sql.length);
  return statements;
}
