/**
 * @module bench/machine
 * What the machine was doing when a benchmark ran: numbers from a busy shared machine are not
 * comparable with numbers from a quiet one, so every report says which it was.
 */
import os from 'node:os';

export interface MachineInfo {
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly totalMemoryMb: number;
  /** 1, 5 and 15 minute load averages. */
  readonly loadAverage: readonly number[];
  readonly at: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
    at: new Date().toISOString(),
  };
}

export function describeMachine(info: MachineInfo): string {
  return `${info.cpus} x ${info.cpuModel}, ${info.totalMemoryMb} MB, Node ${info.node}, load average ${info.loadAverage.join(' ')} at ${info.at}`;
}
