/**
 * @module scale/testing/atlas-instance
 * One real Atlas process as an operator runs it (`node apps/server/dist/main.js`, configured
 * only through its environment) for multi-instance tests: start on an ephemeral port, wait
 * until it listens, stop it gracefully or SIGKILL it, start it again on the same data dir.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDirectoryLock } from '../../../../web/e2e/support/directory-lock.js';
import { ATLAS_NODE_FLAGS } from '../../node-flags.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const MAIN_JS = path.join(REPO_ROOT, 'apps/server/dist/main.js');
/** Output kept per process for failure messages; older output is dropped. */
const MAX_OUTPUT_CHARS = 64 * 1024;
const START_TIMEOUT_MS = 30_000;

/**
 * Builds the server (incremental: nearly free when nothing changed). Test files in parallel
 * workers that build too would otherwise write the same `dist` files at once, and a process
 * started meanwhile could load a half-written module: a lock makes them take turns.
 */
export async function buildServer(): Promise<void> {
  await withDirectoryLock(path.join(os.tmpdir(), 'atlas-server-build.lock'), async () => {
    execFileSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'),
        '-b',
        'apps/server/tsconfig.build.json',
      ],
      { cwd: REPO_ROOT, stdio: 'inherit' },
    );
  });
}

export interface InstanceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class AtlasInstance {
  readonly env: Readonly<Record<string, string>>;
  readonly exited: Promise<InstanceExit>;
  url = '';
  readonly #child: ChildProcess;
  #output = '';

  private constructor(env: Record<string, string>) {
    this.env = env;
    this.#child = spawn(process.execPath, [...ATLAS_NODE_FLAGS, MAIN_JS], {
      cwd: REPO_ROOT,
      // Only what the test gives: nothing from the test runner's environment leaks in.
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + String(chunk)).slice(-MAX_OUTPUT_CHARS);
    };
    this.#child.stdout?.on('data', keep);
    this.#child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.#child.on('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  /** Starts `main.js` with `env` (PORT 0 unless given) and resolves once it listens. */
  static async start(env: Record<string, string>): Promise<AtlasInstance> {
    const instance = new AtlasInstance({ PORT: '0', ...env });
    await instance.#listening();
    return instance;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  get output(): string {
    return this.#output;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Sends `signal` and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<InstanceExit> {
    if (this.running) this.#child.kill(signal);
    return this.exited;
  }

  /** A new process with the same environment: same data dir, so its spool is replayed. */
  restart(): Promise<AtlasInstance> {
    return AtlasInstance.start({ ...this.env });
  }

  async #listening(): Promise<void> {
    let exit: InstanceExit | undefined;
    void this.exited.then((e) => {
      exit = e;
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const match = /Atlas listening on (http:\/\/[^"\s]+)/.exec(this.#output);
      if (match?.[1]) {
        this.url = match[1];
        return;
      }
      if (exit !== undefined || Date.now() > deadline) {
        this.#child.kill('SIGKILL');
        throw new Error(`Atlas did not start (${JSON.stringify(exit)}):\n${this.#output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
