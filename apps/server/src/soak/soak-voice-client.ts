/**
 * @module soak/soak-voice-client
 * A small Voice V2 client for the soak driver (the test client lives in `voice/testing/`, which
 * the build leaves out): sends JSON and audio, keeps the current connection's messages, waits
 * for a message or the close. Every wait has a deadline, so a stuck session fails one cycle
 * instead of hanging the soak.
 */
import type { ServerMessage, ServerMessageOf } from '@atlas/protocol';
import WebSocket from 'ws';

export interface CloseInfo {
  code: number;
  reason: string;
}

export class SoakVoiceClient {
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<CloseInfo>;
  readonly #ws: WebSocket;
  #wake: (() => void) | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        this.#wake?.();
      });
    });
    ws.on('message', (data, isBinary) => {
      // Audio is counted by nobody here: the soak measures the server, not playback.
      if (!isBinary) this.messages.push(JSON.parse(String(data)) as ServerMessage);
      this.#wake?.();
    });
  }

  static connect(url: string, timeoutMs = 10_000): Promise<SoakVoiceClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
      ws.once('open', () => resolve(new SoakVoiceClient(ws)));
      ws.once('error', reject);
    });
  }

  send(message: Record<string, unknown>): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(message));
  }

  sendAudio(frame: Uint8Array): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(frame, { binary: true });
  }

  /** `session_start`; resolves with `session_started`, rejects with the server's `error`. */
  async start(
    token: string,
    extra: Record<string, unknown> = {},
  ): Promise<ServerMessageOf<'session_started'>> {
    this.send({
      type: 'session_start',
      token,
      audio: { encoding: 'linear16', sampleRate: 16_000, channels: 1 },
      ...extra,
    });
    const message = await this.waitFor(
      (m) => m.type === 'session_started' || m.type === 'error',
      10_000,
    );
    if (message.type !== 'session_started') {
      throw new Error(`session did not start: ${JSON.stringify(message)}`);
    }
    return message;
  }

  count(type: ServerMessage['type']): number {
    return this.messages.filter((m) => m.type === type).length;
  }

  /** The first message (of this connection) matching `predicate`. */
  async waitFor(
    predicate: (message: ServerMessage) => boolean,
    timeoutMs: number,
  ): Promise<ServerMessage> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found !== undefined) return found;
      const left = deadline - performance.now();
      if (left <= 0 || this.#ws.readyState === WebSocket.CLOSED) {
        const seen = this.messages.map((m) => m.type).join(',');
        throw new Error(`no matching message within ${timeoutMs} ms (saw ${seen})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async waitForClose(timeoutMs: number): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no close within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops the TCP connection without a closing handshake (a network failure). */
  terminate(): void {
    this.#ws.terminate();
  }
}
