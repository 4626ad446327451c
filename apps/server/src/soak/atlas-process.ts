/**
 * @module soak/atlas-process
 * The driver's handle on the forked Atlas process (see `atlas-child.ts`): start it, ask it for
 * samples and users over IPC, stop it gracefully. Atlas runs with `--expose-gc` so each sample
 * can measure the live heap.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ATLAS_NODE_FLAGS } from '../node-flags.js';
import type { AtlasReply, AtlasSample, DriverRequest } from './soak-ipc.js';

const CHILD_ENTRY = fileURLToPath(new URL('./atlas-child.js', import.meta.url));
const REQUEST_TIMEOUT_MS = 30_000;

type Pending = { resolve: (reply: AtlasReply) => void; reject: (error: Error) => void };
type Request = DriverRequest extends infer R
  ? R extends DriverRequest
    ? Omit<R, 'id'>
    : never
  : never;

export class AtlasProcess {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  private constructor(child: ChildProcess, url: string) {
    this.#child = child;
    this.url = url;
    child.on('message', (message: AtlasReply) => {
      if (!('id' in message)) return;
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.type === 'failed') pending?.reject(new Error(message.message));
      else pending?.resolve(message);
    });
    child.on('exit', (code, signal) => {
      for (const pending of this.#pending.values())
        pending.reject(new Error(`Atlas exited (${signal ?? code})`));
      this.#pending.clear();
    });
  }

  /** Forks Atlas with `env` (on top of PATH and HOME) and waits until it listens. */
  static start(env: Record<string, string>): Promise<AtlasProcess> {
    const child = fork(CHILD_ENTRY, [], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      execArgv: ['--expose-gc', ...ATLAS_NODE_FLAGS],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`Atlas exited at start-up (${code})`));
      child.once('exit', onExit);
      child.once('message', (message: AtlasReply) => {
        child.off('exit', onExit);
        if (message.type === 'ready') resolve(new AtlasProcess(child, message.url));
        else {
          reject(new Error(message.type === 'start_failed' ? message.message : 'unexpected reply'));
          child.kill();
        }
      });
    });
  }

  async sample(): Promise<AtlasSample> {
    const reply = await this.#request({ type: 'sample' });
    if (reply.type !== 'sample') throw new Error(`expected a sample, got ${reply.type}`);
    return reply.sample;
  }

  async createUsers(count: number): Promise<string[]> {
    const reply = await this.#request({ type: 'create_users', count });
    if (reply.type !== 'users') throw new Error(`expected users, got ${reply.type}`);
    return reply.userIds;
  }

  /** Graceful stop (live calls told to resume, records flushed), then waits for the exit. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    await this.#request({ type: 'stop' }).catch(() => this.#child.kill('SIGKILL'));
    await exited;
  }

  #request(request: Request): Promise<AtlasReply> {
    const id = this.#nextId++;
    return new Promise<AtlasReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`Atlas did not answer ${request.type} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#child.send({ ...request, id } as DriverRequest);
    });
  }
}
