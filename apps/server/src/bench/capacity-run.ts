/**
 * @module bench/capacity-run
 * One capacity run on the `zero` profile. Four processes: this one only orchestrates; Atlas,
 * the fakes and the load generator each run in a child (see atlas-process.ts, fakes-process.ts,
 * load-generator.ts), so Atlas's own event loop, CPU and memory are what is measured. Sessions
 * are added step by step and held; each step is judged (capacity-report.ts) and the ramp stops
 * at the first unhealthy one. Then the same number of sessions as the highest healthy step
 * streams the same audio to a bare echo server (echo-process.ts) for the Atlas/bare ratio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZERO_PROFILE } from '@atlas/fakes';
import { ATLAS_NODE_FLAGS } from '../node-flags.js';
import { startBenchFakes } from './bench-fakes.js';
import {
  type BareComparison,
  compareWithBare,
  evaluateStep,
  highestHealthy,
  type MemoryReference,
  memoryReference,
  type StepReport,
} from './capacity-report.js';
import { type RunningChild, startChild } from './child-process.js';
import { providerFloor } from './floor.js';
import { floorInput } from './latency-report.js';
import { ATLAS_ENDPOINTING_MS } from './latency-run.js';
import type { LoadReport } from './load-generator.js';
import type { ProcessSample } from './process-sampler.js';
import { synthesizeCorpus } from './speech-corpus.js';
import { FRAME_MS } from './wav-audio.js';

const moduleUrl = (name: string) => fileURLToPath(new URL(`./${name}.js`, import.meta.url));
/** New sessions of a step open over this long, as users arrive rather than all at once. */
const RAMP_MS = 2_000;
/**
 * A new session's first utterance starts at a random point of this window (silence before it),
 * so the sessions of a step, which open within 2 s, do not take their turns in lockstep: real
 * callers do not, and lockstep would measure bursts of simultaneous turns instead of a load.
 * A turn's whole cycle (lead-in, utterance, reply, playback, think time) is about 12 s here:
 * the runs complete 0.08 turns per session per second. The window spans a whole cycle, so the
 * sessions' turns fall anywhere in it; a shorter one (8 s until 2026-12) left a third of every
 * cycle without turn ends and the rest 1.5 times as busy.
 */
const FIRST_TURN_SPREAD_MS = 12_000;
/** After the ramp, every new session has started its first turn before the window starts. */
const SETTLE_MS = FIRST_TURN_SPREAD_MS;
const WARM_UP_SESSIONS = 10;
/** Long enough for every warm-up session to complete a turn. */
const WARM_UP_MS = 6_000;

export interface CapacityRunOptions {
  /** Session counts to try, ascending. */
  readonly steps: readonly number[];
  /** Measurement window per step, ms. */
  readonly holdMs: number;
  /** Write a V8 CPU profile of the Atlas process into this directory (`--cpu-prof`). */
  readonly cpuProfileDir?: string | undefined;
  /** PostgreSQL for Atlas instead of the embedded PGlite (whose queries run on Atlas's thread). */
  readonly databaseUrl?: string | undefined;
  /** Node/V8 options for the Atlas child; `ATLAS_NODE_FLAGS` (what production runs) when absent. */
  readonly atlasNodeFlags?: readonly string[];
  readonly log: (line: string) => void;
}

export interface CapacityRun {
  readonly floorMs: number;
  readonly baseline: ProcessSample;
  readonly steps: StepReport[];
  readonly best: StepReport | undefined;
  readonly bare: BareComparison | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Collects the generator's reports for a window. */
class LoadWindow {
  reports: LoadReport[] = [];
  listen(generator: RunningChild<unknown>): void {
    generator.onMessage((message) => {
      if ((message as { type?: unknown }).type === 'report')
        this.reports.push(message as LoadReport);
    });
  }
  restart(): void {
    this.reports = [];
  }
  get turns() {
    return this.reports.flatMap((report) => report.turns);
  }
  get roundTrips() {
    return this.reports.flatMap((report) => report.roundTrips);
  }
  get last(): LoadReport | undefined {
    return this.reports.at(-1);
  }
  get generatorDelayP99(): number {
    return Math.max(0, ...this.reports.map((report) => report.eventLoopDelayP99Ms));
  }
}

const sample = (child: RunningChild<unknown>, options: { reset?: boolean; gc?: boolean }) =>
  child
    .request<{ sample: ProcessSample }>({ type: 'sample', ...options }, 'sample')
    .then((r) => r.sample);

export async function runCapacity(options: CapacityRunOptions): Promise<CapacityRun> {
  const corpusDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-bench-speech-'));
  const children: Array<RunningChild<unknown>> = [];
  try {
    await synthesizeCorpus(corpusDir);
    const profileArgs = options.cpuProfileDir ? ['--cpu-prof', options.cpuProfileDir] : [];
    const fakes = await startBenchFakes('zero', corpusDir, 1_536, profileArgs);
    children.push(fakes);
    const atlas = await startChild<{ voiceUrl: string }>(
      moduleUrl('atlas-process'),
      [
        '--env',
        JSON.stringify({
          ...fakes.ready,
          ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
        }),
        ...profileArgs,
      ],
      { maxOldSpaceMb: 2_048, execArgv: options.atlasNodeFlags ?? ATLAS_NODE_FLAGS },
    );
    children.push(atlas);
    const generator = await startChild<unknown>(
      moduleUrl('load-generator'),
      ['--corpus', corpusDir],
      // Atlas's V8 sizing, for the same reason as the fakes' (bench-fakes.ts).
      { maxOldSpaceMb: 2_048, execArgv: ATLAS_NODE_FLAGS },
    );
    children.push(generator);
    const window = new LoadWindow();
    window.listen(generator);

    const floors = providerFloor(
      'v2-speculative',
      floorInput(ZERO_PROFILE, ATLAS_ENDPOINTING_MS, FRAME_MS),
    );
    const floorMs = floors.firstAudio ?? 0;
    // A few sessions first, so start-up allocations and JIT warm-up are not counted per session.
    options.log(`capacity: warm-up (${WARM_UP_SESSIONS} sessions)`);
    const warmUp = await atlas.request<{ tokens: string[] }>(
      { type: 'users', count: WARM_UP_SESSIONS },
      'users',
    );
    generator.send({
      type: 'open',
      kind: 'voice',
      url: atlas.ready.voiceUrl,
      tokens: warmUp.tokens,
      count: WARM_UP_SESSIONS,
      rampMs: RAMP_MS,
      firstTurnSpreadMs: FIRST_TURN_SPREAD_MS,
    });
    await sleep(RAMP_MS + FIRST_TURN_SPREAD_MS + WARM_UP_MS);
    await generator.request({ type: 'stop' }, 'stopped', 60_000);
    const baseline = await sample(atlas, { gc: true, reset: true });
    const steps: StepReport[] = [];
    let memoryBase: MemoryReference | undefined;
    let open = 0;
    for (const target of options.steps) {
      const adding = target - open;
      if (adding <= 0) continue;
      options.log(`capacity: ${target} sessions (adding ${adding})`);
      const { tokens } = await atlas.request<{ tokens: string[] }>(
        { type: 'users', count: adding },
        'users',
        120_000,
      );
      generator.send({
        type: 'open',
        kind: 'voice',
        url: atlas.ready.voiceUrl,
        tokens,
        count: adding,
        rampMs: RAMP_MS,
        firstTurnSpreadMs: FIRST_TURN_SPREAD_MS,
      });
      open = target;
      await sleep(RAMP_MS + SETTLE_MS);
      window.restart();
      await Promise.all([atlas, fakes, generator].map((child) => sample(child, { reset: true })));
      await sleep(options.holdMs);
      const [fakesSample, generatorSample] = await Promise.all(
        [fakes, generator].map((child) => sample(child, {})),
      );
      const atlasSample = await sample(atlas, { gc: true });
      const turns = window.turns;
      const last = window.last;
      const step = evaluateStep({
        sessions: target,
        voiceToVoiceMs: turns.flatMap((turn) =>
          turn.error === undefined && turn.firstAudioMs !== null ? [turn.firstAudioMs] : [],
        ),
        finalMs: turns.flatMap((turn) =>
          turn.error === undefined && turn.finalMs !== null ? [turn.finalMs] : [],
        ),
        finalFloorMs: floors.final ?? 0,
        failedTurns: turns.filter((turn) => turn.error !== undefined || turn.firstAudioMs === null)
          .length,
        failedSessions: (last?.failedToOpen ?? 0) + (last?.closedEarly ?? 0),
        floorMs,
        atlas: atlasSample,
        baseline,
        ...(memoryBase ? { memoryReference: memoryBase } : {}),
        generatorEventLoopDelayP99Ms: window.generatorDelayP99,
        fakesCpuPercent: fakesSample?.cpuPercent,
        fakesEventLoopDelayP99Ms: fakesSample?.eventLoopDelayP99Ms,
        generatorCpuPercent: generatorSample?.cpuPercent,
      });
      steps.push(step);
      memoryBase = memoryReference(memoryBase, { sessions: target, sample: atlasSample });
      options.log(
        `  ${step.healthy ? 'healthy' : 'UNHEALTHY'}: added p95 ${step.addedP95Ms} ms, event loop p99 ${step.eventLoopDelayP99Ms} ms, CPU ${step.cpuPercent} % (fakes ${step.fakesCpuPercent} %, client ${step.generatorCpuPercent} %), RSS ${step.rssMb} MB${step.problems.length > 0 ? ` (${step.problems.join('; ')})` : ''}`,
      );
      if (!step.healthy) break;
    }
    await generator.request({ type: 'stop' }, 'stopped', 60_000);
    const best = highestHealthy(steps);
    const reference = best ?? steps[0];
    let bare: BareComparison | undefined;
    if (reference) {
      options.log(`bare ws echo server: ${reference.sessions} sessions`);
      const echo = await startChild<{ url: string }>(moduleUrl('echo-process'), [], {
        maxOldSpaceMb: 2_048,
      });
      children.push(echo);
      const echoBaseline = await sample(echo, { gc: true, reset: true });
      generator.send({
        type: 'open',
        kind: 'echo',
        url: echo.ready.url,
        count: reference.sessions,
        rampMs: RAMP_MS,
      });
      await sleep(RAMP_MS + SETTLE_MS);
      window.restart();
      await sample(echo, { reset: true });
      await sleep(options.holdMs);
      const echoSample = await sample(echo, { gc: true });
      bare = compareWithBare(reference, {
        sample: echoSample,
        baseline: echoBaseline,
        sessions: reference.sessions,
        roundTripsMs: window.roundTrips,
      });
      await generator.request({ type: 'stop' }, 'stopped', 60_000);
    }
    return { floorMs, baseline, steps, best, bare };
  } finally {
    // Atlas flushes its records on the way out (and writes its CPU profile when asked).
    for (const child of children.reverse()) await child.stop(30_000);
    rmSync(corpusDir, { recursive: true, force: true });
  }
}
