/**
 * @module bench/echo-bench-client
 * The capacity benchmark's load on the bare echo server: the same audio as a voice session
 * (utterances and silence, 100 ms frames in real time) on one WebSocket, timing each echo.
 */
import WebSocket from 'ws';
import type { Utterance } from './speech-corpus.js';
import { FRAME_BYTES, FRAME_MS } from './wav-audio.js';

/** Silence frames after each utterance, as a speaker waiting for the answer would send. */
const PAUSE_FRAMES = 15;

export class EchoBenchClient {
  readonly #ws: WebSocket;
  readonly #sentAt: number[] = [];
  /** Round trips since the last `takeRoundTrips()`, ms. */
  #roundTrips: number[] = [];
  #stopped = false;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', () => {
      const sentAt = this.#sentAt.shift();
      if (sentAt !== undefined) this.#roundTrips.push(performance.now() - sentAt);
    });
    ws.on('error', () => {});
  }

  static async open(url: string): Promise<EchoBenchClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new EchoBenchClient(ws);
  }

  /** Streams the utterances in turn, in real time, until `stop()`. */
  async run(utterances: readonly Utterance[], offset: number): Promise<void> {
    const silence = new Uint8Array(FRAME_BYTES);
    let next = performance.now();
    for (let turn = offset; !this.#stopped; turn++) {
      const utterance = utterances[turn % utterances.length];
      const frames = [
        ...(utterance?.frames ?? []),
        ...Array<Uint8Array>(PAUSE_FRAMES).fill(silence),
      ];
      for (const frame of frames) {
        if (this.#stopped || this.#ws.readyState !== WebSocket.OPEN) return;
        const wait = next - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        next += FRAME_MS;
        this.#sentAt.push(performance.now());
        this.#ws.send(frame);
      }
    }
  }

  takeRoundTrips(): number[] {
    const taken = this.#roundTrips;
    this.#roundTrips = [];
    return taken;
  }

  stop(): void {
    this.#stopped = true;
    this.#ws.close();
  }
}
