/**
 * @module voice/testing/fake-socket
 * A WebSocket stand-in for the voice client's tests: records what the client sends and lets
 * the test play the server (open, messages, binary audio, close with a code).
 */
import type { ServerMessage } from '@atlas/protocol';
import type { VoiceSocket } from '../connection/voice-connection.js';

export class FakeSocket implements VoiceSocket {
  static readonly created: FakeSocket[] = [];
  readyState = 0;
  bufferedAmount = 0;
  binaryType: BinaryType = 'blob';
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  readonly sent: (string | ArrayBuffer)[] = [];
  closedWith: number | undefined;

  constructor(readonly url: string) {
    FakeSocket.created.push(this);
  }

  /** JSON messages the client sent, parsed. */
  get messages(): { type: string; [key: string]: unknown }[] {
    return this.sent.filter((data) => typeof data === 'string').map((data) => JSON.parse(data));
  }

  get binaryFrames(): ArrayBuffer[] {
    return this.sent.filter((data): data is ArrayBuffer => data instanceof ArrayBuffer);
  }

  send(data: string | ArrayBuffer): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(data);
  }

  close(code = 1005): void {
    if (this.readyState === 3) return;
    this.closedWith = code;
    this.readyState = 3;
  }

  // Server side ---------------------------------------------------------------------------------

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  receive(message: ServerMessage | Record<string, unknown>): void {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(message) }));
  }

  receiveBinary(bytes: Uint8Array): void {
    const copy = bytes.slice().buffer;
    this.onmessage?.(new MessageEvent('message', { data: copy }));
  }

  /** The server (or the network) closes the connection. */
  serverClose(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '', wasClean: code !== 1006 } as CloseEvent);
  }
}

export const sessionStarted = (sessionId = 'sess-1', resumed = false): ServerMessage => ({
  type: 'session_started',
  sessionId,
  conversationId: '6f1c1f1e-8a47-4f7e-9d61-0d6c2b1d8e11',
  resumed,
  model: 'test-model',
  limits: { maxDurationMs: 1_800_000, maxCostUsd: 5, budgetWarningFraction: 0.8 },
  audioOut: { encoding: 'linear16', sampleRate: 24_000 },
});
