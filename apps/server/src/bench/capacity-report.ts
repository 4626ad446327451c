/**
 * @module bench/capacity-report
 * The capacity benchmark's judgement and figures: a step (a number of concurrent sessions held
 * for a while) is healthy while Atlas's added latency p95 stays within 50 ms, its event-loop
 * delay p99 within 100 ms, and (almost) every session and turn works. Per-session CPU is the
 * step's total over its session count; memory per session is the growth since the earlier step
 * with the least RSS over the sessions added since (for the first step: above the idle baseline).
 */
import type { ProcessSample } from './process-sampler.js';
import { roundMs, summarize } from './stats.js';

export const HEALTH_LIMITS = {
  addedLatencyP95Ms: 50,
  eventLoopDelayP99Ms: 100,
  /** Failed turns and sessions that could not open or closed early, as a fraction. */
  failureRate: 0.01,
} as const;

export interface StepInput {
  readonly sessions: number;
  /** Voice-to-voice (end of speech → first audio) of each completed turn, ms. */
  readonly voiceToVoiceMs: readonly number[];
  /** End of speech → final transcript of each completed turn, ms (for diagnosis). */
  readonly finalMs?: readonly number[];
  /** The provider floor of the final transcript (endpointing), ms. */
  readonly finalFloorMs?: number;
  readonly failedTurns: number;
  readonly failedSessions: number;
  readonly floorMs: number;
  readonly atlas: ProcessSample;
  readonly baseline: ProcessSample;
  /**
   * An earlier step of the same run (see `memoryReference`): memory per session is then the
   * growth since it over the sessions added since it (the marginal cost). The idle baseline
   * alone misleads once the process returns start-up memory to the OS (the embedded database's
   * worker does), which made RSS per session negative.
   */
  readonly memoryReference?: MemoryReference;
  readonly generatorEventLoopDelayP99Ms: number;
  /**
   * CPU of the fake providers and of the load generator over the same window (% of one core):
   * on a small machine they share the cores with Atlas, so when their sum with Atlas's nears
   * the core count the machine, not Atlas, is what is saturated.
   */
  readonly fakesCpuPercent?: number;
  readonly generatorCpuPercent?: number;
  /** The fakes' event-loop delay p99: when high, provider answers are late through no fault of Atlas. */
  readonly fakesEventLoopDelayP99Ms?: number;
}

export interface StepReport {
  readonly sessions: number;
  readonly turns: number;
  readonly failedTurns: number;
  readonly failedSessions: number;
  readonly addedP50Ms: number | null;
  readonly addedP95Ms: number | null;
  /** Of that, the final transcript's share: end of speech → final, minus endpointing. */
  readonly finalAddedP50Ms: number | null;
  readonly finalAddedP95Ms: number | null;
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  readonly cpuPercent: number;
  readonly cpuPercentPerSession: number;
  readonly rssMb: number;
  /**
   * `null` when RSS shrank over the step: the process returned more start-up memory to the OS
   * (the embedded database's worker does, late) than the sessions took, so the step cannot say
   * what a session costs. The heap figure is taken after a full GC and stays meaningful.
   */
  readonly rssKbPerSession: number | null;
  readonly heapKbPerSession: number;
  readonly generatorEventLoopDelayP99Ms: number;
  readonly fakesCpuPercent: number | null;
  readonly generatorCpuPercent: number | null;
  readonly fakesEventLoopDelayP99Ms: number | null;
  readonly healthy: boolean;
  /** Which limits this step broke. */
  readonly problems: readonly string[];
}

export interface MemoryReference {
  readonly sessions: number;
  readonly sample: ProcessSample;
}

/**
 * The reference for later steps: the step with the least RSS so far. Start-up memory can be
 * returned to the OS a few steps in (seen: 880 MB at 50 sessions, 549 MB at 100), and growth
 * measured from before that return shrinks, or goes negative, for every later step.
 */
export function memoryReference(
  current: MemoryReference | undefined,
  step: MemoryReference,
): MemoryReference {
  return current === undefined || step.sample.rssMb < current.sample.rssMb ? step : current;
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export function evaluateStep(input: StepInput): StepReport {
  const added = summarize(input.voiceToVoiceMs.map((ms) => ms - input.floorMs));
  const finalAdded = summarize((input.finalMs ?? []).map((ms) => ms - (input.finalFloorMs ?? 0)));
  const turns = input.voiceToVoiceMs.length + input.failedTurns;
  const problems: string[] = [];
  if (turns === 0) problems.push('no turn completed');
  if (added.p95 !== null && added.p95 > HEALTH_LIMITS.addedLatencyP95Ms)
    problems.push(
      `added latency p95 ${Math.round(added.p95)} ms > ${HEALTH_LIMITS.addedLatencyP95Ms} ms`,
    );
  if (input.atlas.eventLoopDelayP99Ms > HEALTH_LIMITS.eventLoopDelayP99Ms)
    problems.push(
      `event-loop delay p99 ${Math.round(input.atlas.eventLoopDelayP99Ms)} ms > ${HEALTH_LIMITS.eventLoopDelayP99Ms} ms`,
    );
  const failures =
    input.failedTurns / Math.max(1, turns) + input.failedSessions / Math.max(1, input.sessions);
  if (failures > HEALTH_LIMITS.failureRate)
    problems.push(`${input.failedTurns} failed turns, ${input.failedSessions} failed sessions`);
  const perSession = (value: number) => (input.sessions > 0 ? value / input.sessions : 0);
  const reference = input.memoryReference;
  const memoryPerSession = (mb: (sample: ProcessSample) => number) =>
    reference && input.sessions > reference.sessions
      ? ((mb(input.atlas) - mb(reference.sample)) * 1024) / (input.sessions - reference.sessions)
      : perSession((mb(input.atlas) - mb(input.baseline)) * 1024);
  return {
    sessions: input.sessions,
    turns,
    failedTurns: input.failedTurns,
    failedSessions: input.failedSessions,
    addedP50Ms: roundMs(added.p50),
    addedP95Ms: roundMs(added.p95),
    finalAddedP50Ms: roundMs(finalAdded.p50),
    finalAddedP95Ms: roundMs(finalAdded.p95),
    eventLoopDelayP99Ms: round(input.atlas.eventLoopDelayP99Ms),
    eventLoopDelayMaxMs: round(input.atlas.eventLoopDelayMaxMs),
    cpuPercent: round(input.atlas.cpuPercent),
    cpuPercentPerSession: round(perSession(input.atlas.cpuPercent), 3),
    rssMb: round(input.atlas.rssMb),
    rssKbPerSession: growthOrNull(round(memoryPerSession((sample) => sample.rssMb))),
    heapKbPerSession: round(memoryPerSession((sample) => sample.heapUsedMb)),
    generatorEventLoopDelayP99Ms: round(input.generatorEventLoopDelayP99Ms),
    fakesCpuPercent: input.fakesCpuPercent === undefined ? null : round(input.fakesCpuPercent),
    generatorCpuPercent:
      input.generatorCpuPercent === undefined ? null : round(input.generatorCpuPercent),
    fakesEventLoopDelayP99Ms:
      input.fakesEventLoopDelayP99Ms === undefined ? null : round(input.fakesEventLoopDelayP99Ms),
    healthy: problems.length === 0,
    problems,
  };
}

function growthOrNull(kbPerSession: number): number | null {
  return kbPerSession < 0 ? null : kbPerSession;
}

/** The last healthy step before the first unhealthy one (load only grows, so later ones do not count). */
export function highestHealthy(steps: readonly StepReport[]): StepReport | undefined {
  let best: StepReport | undefined;
  for (const step of steps) {
    if (!step.healthy) break;
    best = step;
  }
  return best;
}

export interface BareComparison {
  readonly sessions: number;
  readonly cpuPercent: number;
  readonly cpuPercentPerSession: number;
  readonly rssKbPerSession: number;
  readonly heapKbPerSession: number;
  readonly eventLoopDelayP99Ms: number;
  readonly roundTripP95Ms: number | null;
  /** Atlas / bare at the same load; `null` when either figure is missing or too small to divide by. */
  readonly ratio: {
    readonly cpu: number | null;
    readonly rss: number | null;
    readonly heap: number | null;
  };
}

export function compareWithBare(
  atlas: StepReport,
  bare: {
    sample: ProcessSample;
    baseline: ProcessSample;
    sessions: number;
    roundTripsMs: readonly number[];
  },
): BareComparison {
  const perSession = (value: number) => value / Math.max(1, bare.sessions);
  const cpuPerSession = perSession(bare.sample.cpuPercent);
  const rssKb = perSession((bare.sample.rssMb - bare.baseline.rssMb) * 1024);
  const heapKb = perSession((bare.sample.heapUsedMb - bare.baseline.heapUsedMb) * 1024);
  const ratio = (a: number | null, b: number) => (a !== null && b > 1e-6 ? round(a / b) : null);
  return {
    sessions: bare.sessions,
    cpuPercent: round(bare.sample.cpuPercent),
    cpuPercentPerSession: round(cpuPerSession, 3),
    rssKbPerSession: round(rssKb),
    heapKbPerSession: round(heapKb),
    eventLoopDelayP99Ms: round(bare.sample.eventLoopDelayP99Ms),
    roundTripP95Ms: roundMs(summarize(bare.roundTripsMs).p95),
    ratio: {
      cpu: ratio(atlas.cpuPercentPerSession, cpuPerSession),
      rss: ratio(atlas.rssKbPerSession, rssKb),
      heap: ratio(atlas.heapKbPerSession, heapKb),
    },
  };
}
