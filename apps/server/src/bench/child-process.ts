/**
 * @module bench/child-process
 * The benchmarks keep the fakes and the load generator out of the measured process: each runs in
 * a forked child with its own heap limit, talks over IPC, and is stopped by its pid. A child
 * module calls `childReady(payload)` once it is up; the parent's `startChild` resolves with it.
 */
import { type ChildProcess, fork } from 'node:child_process';

export interface RunningChild<Ready> {
  readonly process: ChildProcess;
  readonly ready: Ready;
  /** Messages the child sent after `ready`, to the given listener. */
  onMessage(listener: (message: unknown) => void): void;
  send(message: unknown): void;
  /** Sends `message` and resolves with the child's next message of type `replyType`. */
  request<Reply>(message: unknown, replyType: string, timeoutMs?: number): Promise<Reply>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

interface ReadyMessage {
  readonly type: 'ready';
  readonly payload: unknown;
}

const isReady = (message: unknown): message is ReadyMessage =>
  typeof message === 'object' &&
  message !== null &&
  (message as { type?: unknown }).type === 'ready';

export function startChild<Ready>(
  modulePath: string,
  args: readonly string[],
  options: { maxOldSpaceMb: number; timeoutMs?: number; execArgv?: readonly string[] },
): Promise<RunningChild<Ready>> {
  const child = fork(modulePath, [...args], {
    execArgv: [`--max-old-space-size=${options.maxOldSpaceMb}`, ...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${modulePath} did not start within ${options.timeoutMs ?? 60_000} ms`));
    }, options.timeoutMs ?? 60_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${modulePath} exited with ${code} before it was ready`));
    };
    child.once('exit', onExit);
    child.on('message', function first(message: unknown) {
      if (!isReady(message)) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('message', first);
      resolve({
        process: child,
        ready: message.payload as Ready,
        onMessage: (listener) => child.on('message', listener),
        send: (value) => {
          if (child.connected) child.send(value as object);
        },
        request: <Reply>(value: unknown, replyType: string, timeoutMs = 60_000) =>
          new Promise<Reply>((resolveReply, rejectReply) => {
            const timer = setTimeout(() => {
              child.off('message', onReply);
              rejectReply(new Error(`${modulePath}: no ${replyType} reply within ${timeoutMs} ms`));
            }, timeoutMs);
            const onReply = (reply: unknown) => {
              if ((reply as { type?: unknown }).type !== replyType) return;
              clearTimeout(timer);
              child.off('message', onReply);
              resolveReply(reply as Reply);
            };
            child.on('message', onReply);
            if (child.connected) child.send(value as object);
          }),
        stop: (graceMs = 5_000) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** In a child: tells the parent it is up. */
export function childReady(payload: unknown): void {
  process.send?.({ type: 'ready', payload });
}

/** In a child: resolves on SIGTERM/SIGINT or when the parent goes away. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('disconnect', () => resolve());
  });
}

/** `--name value` pairs of a child's argv. */
export function childArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i + 1 < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (name?.startsWith('--') && value !== undefined) args.set(name.slice(2), value);
  }
  return args;
}
