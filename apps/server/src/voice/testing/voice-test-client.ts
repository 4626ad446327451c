/**
 * @module voice/testing/voice-test-client
 * A WebSocket client speaking the Voice V2 protocol for tests: records every message, counts
 * audio, and waits for messages and for the close.
 */
import type { ServerMessage, ServerMessageOf } from '@atlas/protocol';
import WebSocket from 'ws';

export interface CloseInfo {
  code: number;
  reason: string;
}

export class VoiceTestClient {
  readonly messages: ServerMessage[] = [];
  /** Order of everything received; binary frames appear as `binary`. */
  readonly log: string[] = [];
  audioBytes = 0;
  readonly closed: Promise<CloseInfo>;
  readonly #ws: WebSocket;
  #waiters: Array<() => void> = [];

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        this.#wake();
      });
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.audioBytes += (data as Buffer).byteLength;
        if (this.log.at(-1) !== 'binary') this.log.push('binary');
      } else {
        const message = JSON.parse(String(data)) as ServerMessage;
        this.messages.push(message);
        this.log.push(message.type);
      }
      this.#wake();
    });
  }

  static connect(url: string, options: { autoPong?: boolean } = {}): Promise<VoiceTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { autoPong: options.autoPong ?? true });
      ws.once('open', () => resolve(new VoiceTestClient(ws)));
      ws.once('error', reject);
    });
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    this.#ws.send(JSON.stringify(message));
  }

  sendRaw(text: string): void {
    this.#ws.send(text);
  }

  sendAudio(frame: Uint8Array): void {
    this.#ws.send(frame, { binary: true });
  }

  /** Sends `session_start` and resolves with `session_started` (or rejects with the error). */
  async start(
    token: string,
    extra: Record<string, unknown> = {},
  ): Promise<ServerMessageOf<'session_started'>> {
    this.send({
      type: 'session_start',
      token,
      audio: { encoding: 'linear16', sampleRate: 16000, channels: 1 },
      ...extra,
    });
    const message = await this.waitFor((m) => m.type === 'session_started' || m.type === 'error');
    if (message.type !== 'session_started')
      throw new Error(`session did not start: ${JSON.stringify(message)}`);
    return message;
  }

  /** Speech: `loud` frames with signal, then `quiet` frames of silence, 100 ms each. */
  speak(loud: number, quiet: number): void {
    for (let i = 0; i < loud; i++) this.sendAudio(LOUD_FRAME);
    for (let i = 0; i < quiet; i++) this.sendAudio(QUIET_FRAME);
  }

  of<T extends ServerMessage['type']>(type: T): ServerMessageOf<T>[] {
    return this.messages.filter((m): m is ServerMessageOf<T> => m.type === type);
  }

  async waitFor(
    predicate: (message: ServerMessage) => boolean,
    timeoutMs = 5_000,
  ): Promise<ServerMessage> {
    return this.#until(() => this.messages.find(predicate), timeoutMs, 'a matching message');
  }

  async waitForType<T extends ServerMessage['type']>(
    type: T,
    count = 1,
    timeoutMs = 5_000,
  ): Promise<ServerMessageOf<T>> {
    return this.#until(() => this.of(type)[count - 1], timeoutMs, `${count}× ${type}`);
  }

  async waitForClose(timeoutMs = 5_000): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no close within ${timeoutMs} ms; got ${this.log.join(',')}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(code = 1000): void {
    this.#ws.close(code);
  }

  /** Drops the TCP connection without a closing handshake (a network failure). */
  terminate(): void {
    this.#ws.terminate();
  }

  async #until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.log.join(',')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

export const LOUD_FRAME = (() => {
  const frame = new Uint8Array(3200);
  const view = new DataView(frame.buffer);
  for (let i = 0; i < 1600; i++) view.setInt16(i * 2, Math.round(8000 * Math.sin(i / 5)), true);
  return frame;
})();

export const QUIET_FRAME = new Uint8Array(3200);
