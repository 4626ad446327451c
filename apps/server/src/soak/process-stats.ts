/**
 * @module soak/process-stats
 * What the soak samples inside the Atlas process: memory (after a full GC when the process runs
 * with `--expose-gc`, so the heap figure is live data rather than garbage not yet collected),
 * active handles by type, and event-loop delay since the previous sample.
 */
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProcessSample {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  /** `process.getActiveResourcesInfo()`, counted by type. */
  resources: Record<string, number>;
  /** Total of `resources`. */
  activeResources: number;
  /** Event-loop delay since the previous sample beyond the sampling interval, ms. */
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** CPU time Atlas used since the previous sample, as a share of one core (1 = 100 %). */
  cpuCores: number;
  /**
   * The machine's 1-minute load average: event-loop delay on a shared machine follows other
   * processes' load too, and this tells the two apart when reading the report.
   */
  loadAverage: number;
}

export interface ProcessSampler {
  sample(): ProcessSample;
  stop(): void;
}

const NS_PER_MS = 1e6;
/** The delay monitor's timer interval; its histogram includes it, so it is subtracted. */
const RESOLUTION_MS = 10;

const beyondResolution = (nanoseconds: number) =>
  Math.max(0, nanoseconds / NS_PER_MS - RESOLUTION_MS);

export function countResources(types: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of types) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

export function startProcessSampler(): ProcessSampler {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const collect = (globalThis as { gc?: () => void }).gc;
  let cpuSince = process.cpuUsage();
  let cpuAt = performance.now();
  return {
    sample() {
      const cpu = process.cpuUsage(cpuSince);
      const elapsedMs = performance.now() - cpuAt;
      cpuSince = process.cpuUsage();
      cpuAt = performance.now();
      collect?.();
      const memory = process.memoryUsage();
      const resources = countResources(process.getActiveResourcesInfo());
      const sample: ProcessSample = {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        externalBytes: memory.external,
        resources,
        activeResources: Object.values(resources).reduce((sum, n) => sum + n, 0),
        loopDelayP50Ms: beyondResolution(delay.percentile(50)),
        loopDelayP99Ms: beyondResolution(delay.percentile(99)),
        loopDelayMaxMs: beyondResolution(delay.max),
        cpuCores: elapsedMs > 0 ? (cpu.user + cpu.system) / 1000 / elapsedMs : 0,
        loadAverage: os.loadavg()[0] ?? 0,
      };
      delay.reset();
      return sample;
    },
    stop() {
      delay.disable();
    },
  };
}
