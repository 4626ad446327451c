/**
 * @module bench/latency-windows
 * What the processes did while a mode's turns were measured: the Atlas child's event-loop delay
 * and CPU, and the clients' own loop delay. Printed under each latency table, because added
 * time is only Atlas's when neither loop was held up by something else.
 */
import type { Mode } from './floor.js';
import type { ProcessSample } from './process-sampler.js';

/** The processes over one mode's measured turns (warm-up excluded). */
export interface LatencyWindow {
  readonly profile: string;
  readonly mode: Mode;
  /** The Atlas child that served the mode. */
  readonly atlas: ProcessSample;
  /** The bench process's (the clients') event-loop delay p99, ms: when high, client times are late. */
  readonly clientLoopDelayP99Ms: number;
}

const ms = (value: number) => value.toFixed(1);

/** One line per mode, e.g. `v2-final: Atlas CPU 6.1 %, loop p99 11.2 ms (max 13.0); clients' loop p99 10.4 ms`. */
export function processLine(windows: readonly LatencyWindow[]): string {
  const lines = windows.map(
    (window) =>
      `${window.mode}: Atlas CPU ${window.atlas.cpuPercent.toFixed(1)} %, loop p99 ${ms(window.atlas.eventLoopDelayP99Ms)} ms (max ${ms(window.atlas.eventLoopDelayMaxMs)}); clients' loop p99 ${ms(window.clientLoopDelayP99Ms)} ms`,
  );
  return lines.length === 0 ? '' : `processes while measured:\n  ${lines.join('\n  ')}`;
}
