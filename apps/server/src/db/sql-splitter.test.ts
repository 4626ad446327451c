import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BOOTSTRAP_SQL_PATH, listMigrationFiles } from './migrator.js';
import { SqlSplitError, splitSqlStatements } from './sql-splitter.js';

describe('splitSqlStatements', () => {
  it('splits on semicolons, trimming whitespace and the terminator', () => {
    expect(splitSqlStatements('select 1;\n  select 2 ;\n\nselect 3')).toEqual([
      'select 1',
      'select 2',
      'select 3',
    ]);
  });

  it('returns nothing for empty, whitespace-only and comment-only input', () => {
    expect(splitSqlStatements('')).toEqual([]);
    expect(splitSqlStatements(' ;\n ; ')).toEqual([]);
    expect(splitSqlStatements('-- just a note;\n/* and; another */\n')).toEqual([]);
  });

  it('keeps semicolons inside single-quoted strings, including doubled quotes', () => {
    expect(splitSqlStatements("select 'a;b', 'it''s; fine'; select 2")).toEqual([
      "select 'a;b', 'it''s; fine'",
      'select 2',
    ]);
  });

  it('honours backslash escapes only in E-strings', () => {
    expect(splitSqlStatements("select E'a\\';b'; select 2")).toEqual([
      "select E'a\\';b'",
      'select 2',
    ]);
    // In a standard string a backslash is an ordinary character, so the quote closes it.
    expect(splitSqlStatements("select 'a\\'; select 2")).toEqual(["select 'a\\'", 'select 2']);
  });

  it('keeps semicolons inside quoted identifiers', () => {
    expect(splitSqlStatements('create table "we;ird""name" (x int); select 1')).toEqual([
      'create table "we;ird""name" (x int)',
      'select 1',
    ]);
  });

  it('keeps $$ and $tag$ bodies whole, even when they contain other dollar quotes', () => {
    const fn = `create function f() returns int language plpgsql as $body$
begin
  perform $$ a; b $$;
  return 1;
end;
$body$`;
    expect(splitSqlStatements(`${fn};\ndo $$ begin perform 1; end $$;select 3`)).toEqual([
      fn,
      'do $$ begin perform 1; end $$',
      'select 3',
    ]);
  });

  it('treats $1 as a parameter and a $ inside an identifier as part of it', () => {
    expect(splitSqlStatements('select $1; select a$b$ from t; select 2')).toEqual([
      'select $1',
      'select a$b$ from t',
      'select 2',
    ]);
  });

  it('ignores semicolons in line and nested block comments, keeping leading comments', () => {
    const sql = '-- first; still a comment\nselect 1 /* a; /* nested; */ b; */ + 1;\nselect 2';
    expect(splitSqlStatements(sql)).toEqual([
      '-- first; still a comment\nselect 1 /* a; /* nested; */ b; */ + 1',
      'select 2',
    ]);
  });

  it('keeps a BEGIN ATOMIC body, with its CASE … END, in one statement', () => {
    const fn = `create function g(x int) returns int language sql
begin atomic
  select case when x > 0 then 1 else 0 end;
  select x;
end`;
    expect(splitSqlStatements(`${fn};\nselect 2;`)).toEqual([fn, 'select 2']);
  });

  it('reports where an unterminated literal or body starts', () => {
    expect(() => splitSqlStatements("select 1;\nselect 'oops")).toThrow(SqlSplitError);
    expect(() => splitSqlStatements("select 1;\nselect 'oops")).toThrow(/string literal.*line 2/);
    expect(() => splitSqlStatements('do $x$ begin')).toThrow(/\$x\$ body.*line 1/);
    expect(() => splitSqlStatements('select /* never closed')).toThrow(/block comment/);
    expect(() => splitSqlStatements('select "open')).toThrow(/quoted identifier/);
  });

  it('splits the bootstrap and every migration into statements that each end cleanly', async () => {
    const paths = [BOOTSTRAP_SQL_PATH, ...(await listMigrationFiles()).map((file) => file.path)];
    for (const path of paths) {
      const statements = splitSqlStatements(await readFile(path, 'utf8'));
      expect(statements.length, path).toBeGreaterThan(5);
      for (const statement of statements) expect(statement.endsWith(';'), statement).toBe(false);
    }
  });
});
