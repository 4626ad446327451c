/**
 * @module bench/latency-run
 * One latency run. Per profile: the fakes in a child process (fakes-process.ts) and two Atlas
 * servers, each in its own child with its own PGlite (latency-atlas.ts → atlas-process.ts): one
 * as shipped (speculation on) and one with `speculation: false` (waits for the final). The
 * clients that stream the speech and time the turns (V2 sessions in both modes, then the V1 batch
 * path) run in this process, so their work does not delay Atlas's and Atlas's does not delay
 * their timestamps. Users are created before each measured window, not during it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { VoiceSettings } from '../voice/voice-settings.js';
import { startBenchFakes } from './bench-fakes.js';
import type { Mode } from './floor.js';
import { LatencyAtlas } from './latency-atlas.js';
import { type ProfileReport, profileReport } from './latency-report.js';
import type { LatencyWindow } from './latency-windows.js';
import { loadCorpus, synthesizeCorpus, type Utterance } from './speech-corpus.js';
import type { TurnTiming } from './turn-timing.js';
import { V1BenchClient } from './v1-bench-client.js';
import { VoiceBenchClient } from './voice-bench-client.js';
import { FRAME_MS } from './wav-audio.js';

/** The endpointing Atlas asks Deepgram for (the `DeepgramStt` default), ms. */
export const ATLAS_ENDPOINTING_MS = 300;
/** Sessions of a mode start this far apart, so their turns do not line up. */
const STAGGER_MS = 700;

export interface LatencyRunOptions {
  readonly profiles: readonly string[];
  /** Concurrent sessions per mode. */
  readonly sessions: number;
  /** Turns per session. */
  readonly turns: number;
  /** Overrides the stable-partial window before speculation, ms. */
  readonly stablePartialMs?: number | undefined;
  /** A V8 CPU profile of each Atlas server over each measured window, into this directory. */
  readonly cpuProfileDir?: string | undefined;
  readonly log: (line: string) => void;
}

export interface LatencyRun {
  readonly profiles: ProfileReport[];
  readonly turns: TurnTiming[];
  readonly windows: LatencyWindow[];
}

interface Shape {
  readonly sessions: number;
  readonly turns: number;
}

export async function runLatency(options: LatencyRunOptions): Promise<LatencyRun> {
  const corpusDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-bench-speech-'));
  try {
    await synthesizeCorpus(corpusDir);
    const corpus = await loadCorpus(corpusDir);
    const reports: ProfileReport[] = [];
    const all: TurnTiming[] = [];
    const windows: LatencyWindow[] = [];
    for (const profile of options.profiles) {
      options.log(`profile ${profile}: starting the fakes and two Atlas processes`);
      const turns = await runProfile(profile, corpusDir, corpus, options, windows);
      all.push(...turns);
      reports.push(profileReport(profile, turns, ATLAS_ENDPOINTING_MS, FRAME_MS));
    }
    return { profiles: reports, turns: all, windows };
  } finally {
    rmSync(corpusDir, { recursive: true, force: true });
  }
}

async function runProfile(
  profile: string,
  corpusDir: string,
  corpus: readonly Utterance[],
  options: LatencyRunOptions,
  windows: LatencyWindow[],
): Promise<TurnTiming[]> {
  const fakes = await startBenchFakes(profile, corpusDir);
  const opened: LatencyAtlas[] = [];
  try {
    const stable =
      options.stablePartialMs === undefined ? {} : { stablePartialMs: options.stablePartialMs };
    const start = async (name: string, voiceSettings: Partial<VoiceSettings>) => {
      const atlas = await LatencyAtlas.start({
        env: fakes.ready,
        voiceSettings,
        cpuProfileDir: options.cpuProfileDir,
        name: `${profile}-${name}`,
      });
      opened.push(atlas);
      return atlas;
    };
    // Profiles: `<profile>-waiting-1` is v2-final; `<profile>-shipped-1` v2-speculative, `-2` v1
    // (whose turns are timed both hands-free and as if "Done speaking" ended them: v1-button).
    const speculative = await start('shipped', stable);
    const waiting = await start('waiting', { ...stable, speculation: false });
    const plan: Array<{ mode: Mode; atlas: LatencyAtlas; run: Runner }> = [
      { mode: 'v2-final', atlas: waiting, run: v2Runner('v2-final') },
      { mode: 'v2-speculative', atlas: speculative, run: v2Runner('v2-speculative') },
      { mode: 'v1', atlas: speculative, run: runV1Clients },
    ];
    const turns: TurnTiming[] = [];
    for (const { mode, atlas, run } of plan) {
      options.log(
        `profile ${profile}: ${mode} (warm-up turn, then ${options.sessions} x ${options.turns} turns)`,
      );
      await run(atlas, await atlas.tokens(1), corpus, { sessions: 1, turns: 1 });
      const tokens = await atlas.tokens(options.sessions);
      const clientLoop = monitorEventLoopDelay({ resolution: 5 });
      clientLoop.enable();
      await atlas.startWindow();
      turns.push(...(await run(atlas, tokens, corpus, options)));
      const sample = await atlas.endWindow();
      clientLoop.disable();
      const window: LatencyWindow = {
        profile,
        mode,
        atlas: sample,
        clientLoopDelayP99Ms: clientLoop.percentile(99) / 1e6,
      };
      windows.push(window);
      options.log(
        `profile ${profile}: ${mode}: Atlas CPU ${sample.cpuPercent.toFixed(1)} %, loop delay p99 ${sample.eventLoopDelayP99Ms.toFixed(1)} ms (max ${sample.eventLoopDelayMaxMs.toFixed(1)}); client loop p99 ${window.clientLoopDelayP99Ms.toFixed(1)} ms`,
      );
    }
    return turns;
  } finally {
    for (const atlas of opened.reverse()) await atlas.stop();
    await fakes.stop();
  }
}

type Runner = (
  atlas: LatencyAtlas,
  tokens: readonly string[],
  corpus: readonly Utterance[],
  shape: Shape,
) => Promise<TurnTiming[]>;

const staggered = (index: number) =>
  new Promise((resolve) => setTimeout(resolve, index * STAGGER_MS));

function v2Runner(mode: 'v2-final' | 'v2-speculative'): Runner {
  return async (atlas, tokens, corpus, shape) => {
    const sessions = Array.from({ length: shape.sessions }, async (_, session) => {
      await staggered(session);
      const client = await VoiceBenchClient.open(atlas.voiceUrl, tokenAt(tokens, session), mode);
      const turns: TurnTiming[] = [];
      try {
        for (let turn = 0; turn < shape.turns && !client.closed; turn++) {
          turns.push(await client.runTurn(corpus[(session + turn) % corpus.length] as Utterance));
        }
      } finally {
        await client.close();
      }
      return turns;
    });
    return (await Promise.all(sessions)).flat();
  };
}

const runV1Clients: Runner = async (atlas, tokens, corpus, shape) => {
  const clients = Array.from({ length: shape.sessions }, async (_, client) => {
    await staggered(client);
    const v1 = new V1BenchClient(atlas.httpUrl, tokenAt(tokens, client));
    const turns: TurnTiming[] = [];
    for (let turn = 0; turn < shape.turns; turn++) {
      turns.push(...(await v1.runTurn(corpus[(client + turn) % corpus.length] as Utterance)));
    }
    return turns;
  });
  return (await Promise.all(clients)).flat();
};

function tokenAt(tokens: readonly string[], index: number): string {
  const token = tokens[index];
  if (token === undefined) throw new Error(`no user token for session ${index}`);
  return token;
}
