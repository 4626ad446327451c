/**
 * @module cli/cli-io
 * What the command-line tools share: where their output goes (so tests can capture it) and how
 * a failure becomes one readable line instead of a stack trace.
 */
import type { Database } from '../db/database.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Opens the configured database; injected so tests can pass one of their own. */
export type Connect = () => Promise<Database>;

/** A mistake in how the command was called: reported with the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs a command, turning any error into a message on stderr and exit code 1. */
export async function runCommand(
  io: CliIo,
  usage: string,
  command: () => Promise<void>,
): Promise<number> {
  try {
    await command();
    return 0;
  } catch (error) {
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError) io.err(`\n${usage}`);
    return 1;
  }
}

/** Opens a database for one command and always closes it. */
export async function withDatabase<T>(
  connect: Connect,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  const db = await connect();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
