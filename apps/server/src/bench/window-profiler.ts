/**
 * @module bench/window-profiler
 * A V8 CPU profile of one measurement window, taken in-process through the inspector, so a
 * profile shows what a step of load costs rather than start-up, user creation and shutdown
 * (which `node --cpu-prof` would mix in).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

export class WindowProfiler {
  readonly #dir: string;
  readonly #name: string;
  #session: Session | undefined;
  #windows = 0;

  /** Profiles go to `<dir>/<name>-<n>.cpuprofile`, one per window; `dir` is made if missing. */
  constructor(dir: string, name: string) {
    this.#dir = dir;
    this.#name = name;
  }

  /** Starts a window (ending any window still open without writing it). */
  async start(): Promise<void> {
    if (this.#session) await this.#discard();
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    this.#session = session;
  }

  /** Ends the window and writes its profile; returns the file, or nothing when none was open. */
  async stop(): Promise<string | undefined> {
    const session = this.#session;
    if (!session) return undefined;
    this.#session = undefined;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const file = path.join(this.#dir, `${this.#name}-${++this.#windows}.cpuprofile`);
    // Every measured child writes here, so each makes the directory rather than trusting another to.
    await mkdir(this.#dir, { recursive: true });
    await writeFile(file, JSON.stringify(profile));
    return file;
  }

  async #discard(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    await session?.post('Profiler.stop');
    session?.disconnect();
  }
}
