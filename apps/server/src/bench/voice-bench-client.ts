/**
 * @module bench/voice-bench-client
 * A Voice V2 client like the web app's, for benchmarks: one WebSocket session that streams
 * utterances as a microphone would (100 ms PCM16 frames paced in real time, silence between and
 * after utterances so endpointing can happen) and times every stage of each turn at the client.
 */
import type { ServerMessage } from '@atlas/protocol';
import WebSocket from 'ws';
import type { Mode } from './floor.js';
import type { Utterance } from './speech-corpus.js';
import { normalizeWords, type TurnTiming } from './turn-timing.js';
import { FRAME_BYTES, FRAME_MS } from './wav-audio.js';

const SILENCE = new Uint8Array(FRAME_BYTES);
/** Silence before an utterance and after the reply, so turns never run into each other. */
const LEAD_IN_FRAMES = 3;
/** After the end of speech, a turn that has not completed in this long has failed. */
const DEFAULT_TURN_TIMEOUT_MS = 20_000;

interface OpenTurn {
  speechStartAt: number | undefined;
  speechEndAt: number | undefined;
  firstPartialAt: number | undefined;
  finalAt: number | undefined;
  finalText: string | undefined;
  turnId: string | undefined;
  firstTextAt: number | undefined;
  audioStarted: boolean;
  firstAudioAt: number | undefined;
  audioBytes: number;
  audioSampleRate: number;
  metrics: Extract<ServerMessage, { type: 'turn_metrics' }> | undefined;
  error: string | undefined;
}

export class VoiceBenchClient {
  readonly #ws: WebSocket;
  readonly #mode: Mode;
  #turn: OpenTurn | undefined;
  #wake: (() => void) | undefined;
  #nextFrameAt = 0;
  #closed = false;
  /** Errors the server sent outside a turn. */
  readonly errors: string[] = [];

  private constructor(ws: WebSocket, mode: Mode) {
    this.#ws = ws;
    this.#mode = mode;
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) =>
      this.#onMessage(data, isBinary),
    );
    ws.on('close', (code) => {
      this.#closed = true;
      if (this.#turn) this.#turn.error ??= `socket closed (${code})`;
      this.#wake?.();
    });
    ws.on('error', () => {});
  }

  /** Connects and starts a session; rejects with the server's error. */
  static async open(url: string, token: string, mode: Mode): Promise<VoiceBenchClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client = new VoiceBenchClient(ws, mode);
    const started = new Promise<void>((resolve, reject) => {
      const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
        if (isBinary) return;
        const message = JSON.parse(String(data)) as ServerMessage;
        if (message.type === 'session_started') {
          ws.off('message', onMessage);
          resolve();
        } else if (message.type === 'error') {
          ws.off('message', onMessage);
          reject(new Error(`session_start refused: ${message.code}: ${message.message}`));
        }
      };
      ws.on('message', onMessage);
      ws.once('close', (code) => reject(new Error(`closed before session_started (${code})`)));
    });
    ws.send(
      JSON.stringify({
        type: 'session_start',
        token,
        audio: { encoding: 'linear16', sampleRate: 16_000, channels: 1 },
      }),
    );
    await started;
    return client;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Says `utterance` and waits for the whole reply (`turn_metrics` comes last), streaming
   * silence meanwhile; with `playback`, also for as long as the reply's audio plays (a user
   * listens to the answer before speaking again). `leadInMs` of silence (at least 300 ms) comes
   * before the utterance: a user thinking before they speak. Resolves with the turn's timings,
   * failed ones included.
   */
  async runTurn(
    utterance: Utterance,
    options: { playback?: boolean; timeoutMs?: number; leadInMs?: number } = {},
  ): Promise<TurnTiming> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TURN_TIMEOUT_MS;
    const turn: OpenTurn = {
      speechStartAt: undefined,
      speechEndAt: undefined,
      firstPartialAt: undefined,
      finalAt: undefined,
      finalText: undefined,
      turnId: undefined,
      firstTextAt: undefined,
      audioStarted: false,
      firstAudioAt: undefined,
      audioBytes: 0,
      audioSampleRate: 24_000,
      metrics: undefined,
      error: undefined,
    };
    this.#turn = turn;
    this.#nextFrameAt = Math.max(this.#nextFrameAt, performance.now());
    const leadInFrames = Math.max(LEAD_IN_FRAMES, Math.round((options.leadInMs ?? 0) / FRAME_MS));
    for (let i = 0; i < leadInFrames && !this.#closed; i++) await this.#sendFrame(SILENCE);
    for (const [index, frame] of utterance.frames.entries()) {
      if (this.#closed) break;
      const sentAt = await this.#sendFrame(frame);
      if (index === utterance.speech.first) turn.speechStartAt = sentAt;
      if (index === utterance.speech.last) turn.speechEndAt = sentAt;
    }
    const deadline = (turn.speechEndAt ?? performance.now()) + timeoutMs;
    while (!turn.metrics && !turn.error && !this.#closed && performance.now() < deadline) {
      await this.#sendFrame(SILENCE);
    }
    if (options.playback && turn.firstAudioAt !== undefined) {
      const playedUntil = turn.firstAudioAt + (turn.audioBytes / 2 / turn.audioSampleRate) * 1000;
      while (!this.#closed && this.#nextFrameAt < playedUntil) await this.#sendFrame(SILENCE);
    }
    for (let i = 0; i < LEAD_IN_FRAMES && !this.#closed; i++) await this.#sendFrame(SILENCE);
    this.#turn = undefined;
    return this.#timing(turn, utterance);
  }

  /** Ends the session in order (`session_end`) and waits for the close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const closed = new Promise<void>((resolve) => this.#ws.once('close', () => resolve()));
    const timer = setTimeout(() => this.#ws.terminate(), 5_000);
    try {
      this.#ws.send(JSON.stringify({ type: 'session_end' }));
    } catch {
      this.#ws.terminate();
    }
    await closed;
    clearTimeout(timer);
  }

  terminate(): void {
    this.#ws.terminate();
  }

  /** Sends a frame on the microphone's clock (drift-free) and returns when it was sent. */
  async #sendFrame(frame: Uint8Array): Promise<number> {
    const wait = this.#nextFrameAt - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    this.#nextFrameAt += FRAME_MS;
    if (!this.#closed && this.#ws.readyState === WebSocket.OPEN) this.#ws.send(frame);
    return performance.now();
  }

  #onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const now = performance.now();
    const turn = this.#turn;
    if (isBinary) {
      if (!turn?.audioStarted) return;
      turn.firstAudioAt ??= now;
      turn.audioBytes += (data as Buffer).byteLength;
      return;
    }
    const message = JSON.parse(String(data)) as ServerMessage;
    if (message.type === 'error') {
      const error = `${message.code}: ${message.message}`;
      if (turn) turn.error ??= error;
      else this.errors.push(error);
      return;
    }
    if (!turn) return;
    switch (message.type) {
      case 'partial_transcript':
        if (turn.speechStartAt !== undefined && turn.firstPartialAt === undefined && message.text)
          turn.firstPartialAt = now;
        return;
      case 'final_transcript':
        if (turn.finalAt !== undefined) return;
        turn.finalAt = now;
        turn.finalText = message.text;
        turn.turnId = message.turnId;
        return;
      case 'response_text':
        if (message.turnId === turn.turnId) turn.firstTextAt ??= now;
        return;
      case 'audio_start':
        if (message.turnId !== turn.turnId) return;
        turn.audioStarted = true;
        turn.audioSampleRate = message.sampleRate;
        return;
      case 'turn_metrics':
        if (message.turnId === turn.turnId) turn.metrics = message;
        return;
      default:
        return;
    }
  }

  #timing(turn: OpenTurn, utterance: Utterance): TurnTiming {
    const since = (from: number | undefined, to: number | undefined) =>
      from === undefined || to === undefined ? null : to - from;
    const heardRight =
      turn.finalText !== undefined &&
      normalizeWords(turn.finalText) === normalizeWords(utterance.text);
    const error = turn.error ?? (turn.metrics ? undefined : 'the turn did not complete in time');
    return {
      mode: this.#mode,
      utterance: utterance.text,
      firstPartialMs: since(turn.speechStartAt, turn.firstPartialAt),
      finalMs: since(turn.speechEndAt, turn.finalAt),
      firstTextMs: since(turn.speechEndAt, turn.firstTextAt),
      firstAudioMs: since(turn.speechEndAt, turn.firstAudioAt),
      serverE2eMs: turn.metrics?.e2eMs ?? null,
      serverLlmTtftMs: turn.metrics?.llmTtftMs ?? null,
      serverTtsTtfbMs: turn.metrics?.ttsTtfbMs ?? null,
      speculative: turn.metrics?.speculative ?? null,
      heardRight,
      ...(error === undefined ? {} : { error }),
    };
  }
}
