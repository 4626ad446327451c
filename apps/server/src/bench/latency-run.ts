/**
 * @module bench/latency-run
 * One latency run: for each profile, the fakes (child process) and two Atlas servers sharing a
 * database (speculation on, and off to wait for the final transcript), then V2 sessions in both
 * modes and the V1 batch path, each turn timed at the client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BenchAtlas, startBenchAtlas } from './bench-atlas.js';
import { startBenchFakes } from './bench-fakes.js';
import type { Mode } from './floor.js';
import { type ProfileReport, profileReport } from './latency-report.js';
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
  readonly log: (line: string) => void;
}

export interface LatencyRun {
  readonly profiles: ProfileReport[];
  readonly turns: TurnTiming[];
}

export async function runLatency(options: LatencyRunOptions): Promise<LatencyRun> {
  const corpusDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-bench-speech-'));
  try {
    await synthesizeCorpus(corpusDir);
    const corpus = await loadCorpus(corpusDir);
    const reports: ProfileReport[] = [];
    const all: TurnTiming[] = [];
    for (const profile of options.profiles) {
      options.log(`profile ${profile}: starting the fakes and Atlas`);
      const turns = await runProfile(profile, corpusDir, corpus, options);
      all.push(...turns);
      reports.push(profileReport(profile, turns, ATLAS_ENDPOINTING_MS, FRAME_MS));
    }
    return { profiles: reports, turns: all };
  } finally {
    rmSync(corpusDir, { recursive: true, force: true });
  }
}

async function runProfile(
  profile: string,
  corpusDir: string,
  corpus: readonly Utterance[],
  options: LatencyRunOptions,
): Promise<TurnTiming[]> {
  const fakes = await startBenchFakes(profile, corpusDir);
  const opened: BenchAtlas[] = [];
  try {
    const stable =
      options.stablePartialMs === undefined ? {} : { stablePartialMs: options.stablePartialMs };
    const speculative = await startBenchAtlas({ env: fakes.ready, voiceSettings: stable });
    opened.push(speculative);
    const waiting = await startBenchAtlas({
      env: fakes.ready,
      db: speculative.server.db,
      voiceSettings: { ...stable, speculation: false },
    });
    opened.push(waiting);
    const atlasFor: Record<Exclude<Mode, 'v1'>, BenchAtlas> = {
      'v2-final': waiting,
      'v2-speculative': speculative,
    };
    const turns: TurnTiming[] = [];
    for (const mode of ['v2-final', 'v2-speculative'] as const) {
      options.log(
        `profile ${profile}: ${mode} (warm-up turn, then ${options.sessions} x ${options.turns} turns)`,
      );
      await runV2Sessions(atlasFor[mode], mode, corpus, { sessions: 1, turns: 1 });
      turns.push(...(await runV2Sessions(atlasFor[mode], mode, corpus, options)));
    }
    options.log(
      `profile ${profile}: v1 (warm-up turn, then ${options.sessions} x ${options.turns} turns)`,
    );
    await runV1Clients(speculative, corpus, { sessions: 1, turns: 1 });
    turns.push(...(await runV1Clients(speculative, corpus, options)));
    return turns;
  } finally {
    for (const atlas of opened.reverse()) await atlas.close();
    await fakes.stop();
  }
}

async function runV2Sessions(
  atlas: BenchAtlas,
  mode: Exclude<Mode, 'v1'>,
  corpus: readonly Utterance[],
  shape: { sessions: number; turns: number },
): Promise<TurnTiming[]> {
  const sessions = Array.from({ length: shape.sessions }, async (_, session) => {
    await new Promise((resolve) => setTimeout(resolve, session * STAGGER_MS));
    const user = await atlas.newUser();
    const client = await VoiceBenchClient.open(atlas.voiceUrl, user.token, mode);
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
}

async function runV1Clients(
  atlas: BenchAtlas,
  corpus: readonly Utterance[],
  shape: { sessions: number; turns: number },
): Promise<TurnTiming[]> {
  const clients = Array.from({ length: shape.sessions }, async (_, client) => {
    await new Promise((resolve) => setTimeout(resolve, client * STAGGER_MS));
    const user = await atlas.newUser();
    const v1 = new V1BenchClient(atlas.server.url, user.token);
    const turns: TurnTiming[] = [];
    for (let turn = 0; turn < shape.turns; turn++) {
      turns.push(await v1.runTurn(corpus[(client + turn) % corpus.length] as Utterance));
    }
    return turns;
  });
  return (await Promise.all(clients)).flat();
}
