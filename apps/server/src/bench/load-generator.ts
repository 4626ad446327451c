/**
 * @module bench/load-generator
 * Child process: the capacity benchmark's clients, away from the process being measured.
 * Opens real-time sessions on request and reports, every second, the turns they completed, the
 * echo round trips (bare server), how many sessions are open or failed, and its own event-loop
 * delay (when the generator itself falls behind, latencies measured through it are suspect).
 *
 * Args: `--corpus <dir>`. Messages in: `{type:'open', kind:'voice'|'echo', url, tokens?, count,
 * rampMs}`, `{type:'stop'}` (→ `{type:'stopped'}`), `{type:'sample', …}` (process-sampler.ts).
 * Out: `{type:'report', …}` every second.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { childArgs, childReady, untilStopped } from './child-process.js';
import { EchoBenchClient } from './echo-bench-client.js';
import { answerSamples, ProcessSampler } from './process-sampler.js';
import { loadCorpus } from './speech-corpus.js';
import type { TurnTiming } from './turn-timing.js';
import { VoiceBenchClient } from './voice-bench-client.js';

export interface LoadReport {
  readonly type: 'report';
  readonly turns: ReadonlyArray<Pick<TurnTiming, 'finalMs' | 'firstAudioMs' | 'error'>>;
  readonly roundTrips: readonly number[];
  readonly open: number;
  readonly failedToOpen: number;
  readonly closedEarly: number;
  readonly eventLoopDelayP99Ms: number;
  readonly openErrors: readonly string[];
}

interface OpenRequest {
  readonly type: 'open';
  readonly kind: 'voice' | 'echo';
  readonly url: string;
  readonly tokens?: readonly string[];
  readonly count: number;
  readonly rampMs: number;
  /**
   * A voice session's first utterance starts after a random 0 … `firstTurnSpreadMs` of silence
   * (an open microphone before the user speaks), so sessions that open together do not speak in
   * lockstep for the rest of the run.
   */
  readonly firstTurnSpreadMs?: number;
}

/** Between turns a user thinks for 0 … this long (uniform) after the reply has played. */
export const THINK_TIME_MAX_MS = 1_000;

const args = childArgs(process.argv.slice(2));
const corpus = await loadCorpus(args.get('corpus') ?? '.');
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
const sampler = new ProcessSampler();
answerSamples(sampler);

const voices = new Set<VoiceBenchClient>();
const echoes = new Set<EchoBenchClient>();
const running = new Set<Promise<void>>();
let turns: LoadReport['turns'][number][] = [];
let failedToOpen = 0;
let closedEarly = 0;
let openErrors: string[] = [];
let stopping = false;
let started = 0;

function track(work: Promise<void>): void {
  running.add(work);
  void work.finally(() => running.delete(work));
}

async function runVoice(
  url: string,
  token: string,
  index: number,
  firstTurnSpreadMs: number,
): Promise<void> {
  let client: VoiceBenchClient;
  try {
    client = await VoiceBenchClient.open(url, token, 'v2-speculative');
  } catch (error) {
    failedToOpen++;
    if (openErrors.length < 5) openErrors.push((error as Error).message);
    return;
  }
  voices.add(client);
  try {
    for (let turn = index; !stopping && !client.closed; turn++) {
      const utterance = corpus[turn % corpus.length] as (typeof corpus)[number];
      const leadInMs =
        turn === index ? Math.random() * firstTurnSpreadMs : Math.random() * THINK_TIME_MAX_MS;
      const timing = await client.runTurn(utterance, { playback: true, leadInMs });
      if (!stopping) {
        turns.push({
          finalMs: timing.finalMs,
          firstAudioMs: timing.firstAudioMs,
          ...(timing.error === undefined ? {} : { error: timing.error }),
        });
      }
    }
    if (client.closed && !stopping) closedEarly++;
  } finally {
    voices.delete(client);
    await client.close().catch(() => {});
  }
}

async function runEcho(url: string, index: number): Promise<void> {
  let client: EchoBenchClient;
  try {
    client = await EchoBenchClient.open(url);
  } catch (error) {
    failedToOpen++;
    if (openErrors.length < 5) openErrors.push((error as Error).message);
    return;
  }
  echoes.add(client);
  try {
    await client.run(corpus, index);
  } finally {
    echoes.delete(client);
  }
}

function open(request: OpenRequest): void {
  for (let i = 0; i < request.count; i++) {
    const index = started++;
    const delay = request.count > 1 ? (i * request.rampMs) / request.count : 0;
    const token = request.tokens?.[i] ?? '';
    track(
      new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() =>
        request.kind === 'voice'
          ? runVoice(request.url, token, index, request.firstTurnSpreadMs ?? 0)
          : runEcho(request.url, index),
      ),
    );
  }
}

async function stopAll(): Promise<void> {
  stopping = true;
  for (const echo of echoes) echo.stop();
  // An orderly end (session_end) frees the session at once; a dropped socket would leave it
  // resumable, holding memory in Atlas for the resume window.
  await Promise.allSettled([...voices].map((voice) => voice.close()));
  await Promise.allSettled([...running]);
  stopping = false;
  turns = [];
}

const reporter = setInterval(() => {
  const roundTrips = [...echoes].flatMap((echo) => echo.takeRoundTrips());
  const report: LoadReport = {
    type: 'report',
    turns,
    roundTrips,
    open: voices.size + echoes.size,
    failedToOpen,
    closedEarly,
    eventLoopDelayP99Ms: loop.percentile(99) / 1e6,
    openErrors,
  };
  turns = [];
  openErrors = [];
  loop.reset();
  process.send?.(report);
}, 1_000);

process.on('message', (message: unknown) => {
  const request = message as { type?: unknown };
  if (request.type === 'open') open(message as OpenRequest);
  else if (request.type === 'stop') {
    void stopAll().then(() => process.send?.({ type: 'stopped' }));
  }
});

childReady({ pid: process.pid });
await untilStopped();
clearInterval(reporter);
sampler.stop();
await stopAll();
process.exit(0);
