/**
 * @module cli/testing/cli-helpers
 * Captured output and a database the commands cannot close, for the CLI tests.
 */
import type { Database } from '../../db/database.js';
import type { CliIo } from '../cli-io.js';

export function captureIo(): CliIo & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    text: () => [...stdout, ...stderr].join('\n'),
  };
}

/** The same database, with `close()` a no-op, so a test can hand it to several commands. */
export function keepOpen(db: Database): Database {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'close') return async () => {};
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
