/**
 * @module bench/process-sampler
 * What one process costs over a measurement window: event-loop delay (p99 and max, from
 * `perf_hooks.monitorEventLoopDelay`), CPU (user + system, as a percentage of one core) and
 * memory (RSS and heap after a full GC, so garbage awaiting collection is not counted).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { WindowProfiler } from './window-profiler.js';

export interface ProcessSample {
  /** Length of the window, ms. */
  readonly windowMs: number;
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  /** CPU time over the window / wall time, in % of one core (200 % = both of 2 cores). */
  readonly cpuPercent: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
}

const MB = 2 ** 20;

/** A full GC on demand without starting Node with `--expose-gc`. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

export class ProcessSampler {
  readonly #histogram = monitorEventLoopDelay({ resolution: 5 });
  #windowStart = performance.now();
  #cpuStart = process.cpuUsage();

  constructor() {
    this.#histogram.enable();
  }

  /** Starts a new window. */
  reset(): void {
    this.#histogram.reset();
    this.#windowStart = performance.now();
    this.#cpuStart = process.cpuUsage();
  }

  /** The window so far; with `gc`, memory is read after a full collection. */
  sample(options: { gc?: boolean } = {}): ProcessSample {
    const windowMs = performance.now() - this.#windowStart;
    const cpu = process.cpuUsage(this.#cpuStart);
    const eventLoopDelayP99Ms = this.#histogram.percentile(99) / 1e6;
    const eventLoopDelayMaxMs = this.#histogram.max / 1e6;
    if (options.gc) collectGarbage();
    const memory = process.memoryUsage();
    return {
      windowMs,
      eventLoopDelayP99Ms,
      eventLoopDelayMaxMs,
      cpuPercent: windowMs > 0 ? ((cpu.user + cpu.system) / 1000 / windowMs) * 100 : 0,
      rssMb: memory.rss / MB,
      heapUsedMb: memory.heapUsed / MB,
    };
  }

  stop(): void {
    this.#histogram.disable();
  }
}

/** Where sample requests come from and replies go: the parent over IPC, or a test. */
export interface SamplePort {
  onMessage(listener: (message: unknown) => void): void;
  send(message: unknown): void;
}

const parentPort: SamplePort = {
  onMessage: (listener) => process.on('message', listener),
  send: (message) => process.send?.(message),
};

/**
 * In a measured child: answers `{type:'sample', reset?, gc?}` with `{type:'sample', sample}`.
 * `reset` starts a new window after sampling. With a profiler, every window is also a CPU
 * profile: `reset` starts one, a sample without `reset` ends it and writes it.
 */
export function answerSamples(
  sampler: ProcessSampler,
  profiler?: Pick<WindowProfiler, 'start' | 'stop'>,
  port: SamplePort = parentPort,
): void {
  port.onMessage((message: unknown) => {
    const request = message as { type?: unknown; reset?: unknown; gc?: unknown };
    if (request.type !== 'sample') return;
    void (async () => {
      const reset = request.reset === true;
      // A profile that cannot be written must not cost the measurement (nor the child).
      if (!reset) await profiler?.stop().catch(warnProfileFailed);
      const sample = sampler.sample({ gc: request.gc === true });
      if (reset) {
        sampler.reset();
        await profiler?.start().catch(warnProfileFailed);
      }
      port.send({ type: 'sample', sample });
    })();
  });
}

function warnProfileFailed(error: unknown): undefined {
  console.error(
    `CPU profile not written: ${error instanceof Error ? error.message : String(error)}`,
  );
  return undefined;
}
