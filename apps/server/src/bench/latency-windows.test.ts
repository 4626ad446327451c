import { describe, expect, it } from 'vitest';
import { type LatencyWindow, processLine } from './latency-windows.js';

const window = (mode: LatencyWindow['mode'], p99: number): LatencyWindow => ({
  profile: 'zero',
  mode,
  atlas: {
    windowMs: 10_000,
    eventLoopDelayP99Ms: p99,
    eventLoopDelayMaxMs: p99 + 2,
    cpuPercent: 6.04,
    rssMb: 200,
    heapUsedMb: 50,
  },
  clientLoopDelayP99Ms: 10.44,
});

describe('processLine', () => {
  it('prints one line per mode with Atlas and client loop delays', () => {
    expect(processLine([window('v2-final', 11.2), window('v1', 20)])).toBe(
      [
        'processes while measured:',
        "  v2-final: Atlas CPU 6.0 %, loop p99 11.2 ms (max 13.2); clients' loop p99 10.4 ms",
        "  v1: Atlas CPU 6.0 %, loop p99 20.0 ms (max 22.0); clients' loop p99 10.4 ms",
      ].join('\n'),
    );
  });

  it('prints nothing without windows', () => {
    expect(processLine([])).toBe('');
  });
});
