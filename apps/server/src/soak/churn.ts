/**
 * @module soak/churn
 * The soak's load: `concurrency` workers, each a studio user looping through one call lifecycle
 * until the deadline: connect, talk (coded speech paced in real time), barge in on a long reply,
 * drop the connection and resume the session, type a turn, end. Failures are counted by kind
 * and the worker goes on with a new cycle, so one bad call never stops the soak.
 */
import { codedSpeech, silence } from '@atlas/fakes';
import { SoakVoiceClient } from './soak-voice-client.js';

/** Words the fake Deepgram reads back from the coded audio (`CodedSpeechRecognizer`). */
export const SOAK_VOCABULARY = ['what', 'is', 'the', 'weather', 'like', 'today', 'tell', 'story'];
/** A typed turn whose (long) reply the worker interrupts. */
export const BARGE_IN_PROMPT = 'tell me a long story';

const FRAME_MS = 100;
const TURN_TIMEOUT_MS = 20_000;
/** Wait before reconnecting after a drop, as the web client's first backoff step. */
const RECONNECT_DELAY_MS = 1_000;
/** Pause between cycles, so the load is steady rather than a tight loop. */
const THINK_TIME_MS = 500;

export interface ChurnStats {
  cycles: number;
  turns: number;
  bargeIns: number;
  resumes: number;
  /** Failures by a short description of what went wrong. */
  failures: Record<string, number>;
}

export interface ChurnOptions {
  wsUrl: string;
  /** One token per worker (one studio user each). */
  tokens: readonly string[];
  deadline: number;
  /** Ends the churn early (Ctrl-C): workers finish their current cycle and stop. */
  stop?: AbortSignal;
}

export function newChurnStats(): ChurnStats {
  return { cycles: 0, turns: 0, bargeIns: 0, resumes: 0, failures: {} };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function sendPaced(client: SoakVoiceClient, frames: readonly Uint8Array[]): Promise<void> {
  const start = performance.now();
  for (const [index, frame] of frames.entries()) {
    const wait = start + index * FRAME_MS - performance.now();
    if (wait > 0) await sleep(wait);
    client.sendAudio(frame);
  }
}

const SPOKEN = ['what', 'is', 'the', 'weather', 'like', 'today'];
const SPOKEN_TURN = [...codedSpeech(SPOKEN, SOAK_VOCABULARY, { framesPerWord: 2 }), ...silence(8)];

async function turnDone(client: SoakVoiceClient, count: number): Promise<void> {
  await client.waitFor(() => client.count('turn_metrics') >= count, TURN_TIMEOUT_MS);
}

/** One call lifecycle; throws with a short label when a step fails. */
async function cycle(options: ChurnOptions, token: string, stats: ChurnStats): Promise<void> {
  const step = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw Object.assign(new Error(label), { cause: error });
    }
  };
  const client = await step('connect', () => SoakVoiceClient.connect(options.wsUrl));
  let current = client;
  try {
    const started = await step('start', () => client.start(token));
    await step('spoken turn', async () => {
      await sendPaced(client, SPOKEN_TURN);
      await turnDone(client, 1);
    });
    stats.turns++;

    await step('barge-in', async () => {
      client.send({ type: 'text', text: BARGE_IN_PROMPT });
      await client.waitFor((m) => m.type === 'response_start', TURN_TIMEOUT_MS);
      client.send({ type: 'interrupt' });
      await client.waitFor(() => client.count('response_end') >= 2, TURN_TIMEOUT_MS);
      const end = client.messages.filter((m) => m.type === 'response_end')[1];
      if (end?.type === 'response_end' && end.interrupted) stats.bargeIns++;
      await turnDone(client, 2);
    });
    stats.turns++;

    client.terminate();
    await sleep(RECONNECT_DELAY_MS);
    const resumed = await step('reconnect', () => SoakVoiceClient.connect(options.wsUrl));
    current = resumed;
    const again = await step('resume', () =>
      resumed.start(token, { resumeSessionId: started.sessionId }),
    );
    if (!again.resumed) throw new Error('resume: session was not resumed');
    stats.resumes++;

    await step('typed turn', async () => {
      resumed.send({ type: 'text', text: 'and tomorrow' });
      await turnDone(resumed, 1);
    });
    stats.turns++;

    await step('end', async () => {
      resumed.send({ type: 'session_end' });
      const closed = await resumed.waitForClose(10_000);
      if (closed.code !== 1000) throw new Error(`closed with ${closed.code}`);
    });
    stats.cycles++;
  } finally {
    current.terminate();
    client.terminate();
  }
}

async function worker(options: ChurnOptions, token: string, stats: ChurnStats): Promise<void> {
  while (Date.now() < options.deadline && !options.stop?.aborted) {
    try {
      await cycle(options, token, stats);
    } catch (error) {
      const label = error instanceof Error ? error.message : String(error);
      stats.failures[label] = (stats.failures[label] ?? 0) + 1;
      // A failed cycle may leave a resumable session holding a slot until its ticket expires.
      await sleep(RECONNECT_DELAY_MS);
    }
    await sleep(THINK_TIME_MS);
  }
}

/** Runs the workers until the deadline; resolves when every worker has finished its cycle. */
export async function churn(options: ChurnOptions, stats: ChurnStats): Promise<void> {
  await Promise.all(options.tokens.map((token) => worker(options, token, stats)));
}
