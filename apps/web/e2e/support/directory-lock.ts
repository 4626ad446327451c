/**
 * @module e2e/support/directory-lock
 * A lock between processes on one machine: `mkdir` either creates the directory or fails, so
 * whoever creates it holds the lock. A holder that died leaves the directory behind; a lock
 * older than `staleMs` is taken over.
 */
import { mkdir, rm, stat } from 'node:fs/promises';

export interface DirectoryLockOptions {
  /** Give up waiting after this long, ms (default 180 000). */
  readonly timeoutMs?: number;
  /** A lock older than this is considered abandoned, ms (default 300 000). */
  readonly staleMs?: number;
  /** How often to look again while another process holds the lock, ms (default 100). */
  readonly pollMs?: number;
}

function isErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** Runs `fn` while holding the lock `lockDir`; always releases it. */
export async function withDirectoryLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  options: DirectoryLockOptions = {},
): Promise<T> {
  const { timeoutMs = 180_000, staleMs = 300_000, pollMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if (!isErrorCode(error, 'EEXIST')) throw error;
    }
    const held = await stat(lockDir).catch(() => undefined);
    if (held !== undefined && Date.now() - held.mtimeMs > staleMs) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockDir}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
