/**
 * @module voice/connection/voice-connection
 * The V2 voice client over `/v2/voice`: sends `session_start` with a fresh token, streams audio
 * frames as binary, checks every server message against the protocol's schema, keeps a
 * heartbeat, and after an unexpected close reconnects with backoff, resuming the same session
 * (`resumeSessionId`) so the conversation and its costs carry on. Codes that mean "stop" end
 * the call with the reason in words.
 *
 * @example
 * const connection = new VoiceConnection({ url, getToken, logger, events });
 * connection.connect();
 * connection.sendAudio(frame);
 * connection.end();
 */
import { type ClientMessage, type ServerMessage, VOICE_CLOSE_CODES } from '@atlas/protocol';
import type { Logger } from '../../app/logger.js';
import { describeClose } from './close-reasons.js';
import { Heartbeat } from './heartbeat.js';
import { parseServerMessage } from './parse-server-message.js';
import { closeAction, reconnectDelayMs } from './reconnect-policy.js';
import { browserTimers, type TimerHandle, type Timers } from './timers.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';

/** The parts of a WebSocket the client uses (tests pass a fake). */
export interface VoiceSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: BinaryType;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
}

export interface VoiceConnectionEvents {
  onState(state: ConnectionState, detail?: { message?: string; code?: number }): void;
  onMessage(message: ServerMessage): void;
  onAudio(chunk: Uint8Array): void;
  /** The first socket could not be opened at all: the V2 gateway is not reachable. */
  onUnreachable(): void;
}

export interface VoiceConnectionOptions {
  url: string;
  getToken: () => Promise<string | undefined>;
  logger: Logger;
  events: VoiceConnectionEvents;
  conversationId?: string;
  createSocket?: (url: string) => VoiceSocket;
  timers?: Timers;
  /** How long `end()` waits for the server to close after `session_end`. */
  endTimeoutMs?: number;
}

const OPEN = 1;
/** Frames are dropped rather than queued without bound when the network cannot keep up. */
const MAX_BUFFERED_BYTES = 512 * 1024;
/**
 * While a dropped call reconnects, the last 3 s of speech are kept and sent once the session
 * resumes, so words said during a short drop are still heard (well under the gateway's rate
 * limit of 100 frames/s).
 */
export const RESUME_BUFFER_FRAMES = 30;

export class VoiceConnection {
  readonly #options: VoiceConnectionOptions;
  readonly #timers: Timers;
  readonly #heartbeat: Heartbeat;
  #socket: VoiceSocket | undefined;
  #state: ConnectionState | undefined;
  #sessionId: string | undefined;
  #everOpened = false;
  #attempt = 0;
  #lastError: string | undefined;
  #reconnectTimer: TimerHandle | undefined;
  #endTimer: TimerHandle | undefined;
  #ending = false;
  #droppedFrames = 0;
  #heldFrames: ArrayBuffer[] = [];

  constructor(options: VoiceConnectionOptions) {
    this.#options = options;
    this.#timers = options.timers ?? browserTimers;
    this.#heartbeat = new Heartbeat({
      timers: this.#timers,
      sendPing: (id) => this.#send({ type: 'ping', id }),
      onDead: () => {
        this.#options.logger.warn('voice heartbeat lost; reconnecting');
        this.#drop(1006);
      },
    });
  }

  get state(): ConnectionState | undefined {
    return this.#state;
  }

  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  get droppedFrames(): number {
    return this.#droppedFrames;
  }

  connect(): void {
    if (this.#state !== undefined) return;
    this.#setState('connecting');
    void this.#open();
  }

  /**
   * Sends one audio frame. While reconnecting the latest frames are held for the resumed
   * session; otherwise frames are dropped (and counted) when not live or the link is backed up.
   */
  sendAudio(frame: ArrayBuffer): void {
    const socket = this.#socket;
    if (
      this.#sessionId !== undefined &&
      (this.#state === 'reconnecting' || this.#state === 'connecting')
    ) {
      this.#heldFrames.push(frame);
      if (this.#heldFrames.length > RESUME_BUFFER_FRAMES) {
        this.#heldFrames.shift();
        this.#droppedFrames += 1;
      }
      return;
    }
    if (
      this.#state !== 'live' ||
      socket?.readyState !== OPEN ||
      socket.bufferedAmount > MAX_BUFFERED_BYTES
    ) {
      this.#droppedFrames += 1;
      return;
    }
    socket.send(frame);
  }

  interrupt(turnId?: string): void {
    this.#send(turnId === undefined ? { type: 'interrupt' } : { type: 'interrupt', turnId });
  }

  sendText(text: string): void {
    this.#send({ type: 'text', text });
  }

  /**
   * Ends the call in order: `session_end`, then the server saves and closes (1000). Without an
   * answer within `endTimeoutMs` (or with `immediately`) the socket is closed from here.
   */
  end(options: { immediately?: boolean } = {}): void {
    if (this.#state === 'ended' || this.#state === 'failed') return;
    this.#ending = true;
    this.#clearReconnect();
    this.#heartbeat.stop();
    const socket = this.#socket;
    if (socket?.readyState === OPEN && this.#sessionId !== undefined) {
      this.#send({ type: 'session_end' });
    }
    if (socket === undefined || socket.readyState !== OPEN || options.immediately === true) {
      this.#finish('ended');
      return;
    }
    this.#endTimer = this.#timers.setTimeout(
      () => this.#finish('ended'),
      this.#options.endTimeoutMs ?? 2_000,
    );
  }

  async #open(): Promise<void> {
    let token: string | undefined;
    try {
      token = await this.#options.getToken();
    } catch (error) {
      this.#options.logger.warn('no access token for the voice call', { error: String(error) });
    }
    if (this.#ending || this.#state === 'ended' || this.#state === 'failed') return;
    if (token === undefined) {
      this.#fail(describeClose(VOICE_CLOSE_CODES.unauthorized), VOICE_CLOSE_CODES.unauthorized);
      return;
    }
    const create = this.#options.createSocket ?? ((url: string) => new WebSocket(url));
    let socket: VoiceSocket;
    try {
      socket = create(this.#options.url);
    } catch (error) {
      this.#options.logger.warn('voice socket could not be created', { error: String(error) });
      this.#handleClose(1006);
      return;
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      this.#everOpened = true;
      this.#send({
        type: 'session_start',
        token,
        audio: { encoding: 'linear16', sampleRate: 16_000, channels: 1 },
        ...(this.#sessionId === undefined ? {} : { resumeSessionId: this.#sessionId }),
        ...(this.#options.conversationId === undefined
          ? {}
          : { conversationId: this.#options.conversationId }),
      });
    };
    socket.onmessage = (event) => this.#onMessage(event.data);
    socket.onerror = () => this.#options.logger.debug('voice socket error');
    socket.onclose = (event) => this.#handleClose(event.code);
  }

  #onMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      this.#options.events.onAudio(new Uint8Array(data));
      return;
    }
    if (typeof data !== 'string') {
      this.#options.logger.warn('voice socket sent an unexpected frame; dropped');
      return;
    }
    const parsed = parseServerMessage(data);
    if (!parsed.ok) {
      this.#options.logger.warn('unknown or malformed voice message dropped', {
        type: parsed.type,
        reason: parsed.reason,
      });
      return;
    }
    const message = parsed.message;
    if (message.type === 'pong') {
      this.#heartbeat.onPong(message.id);
      return;
    }
    if (message.type === 'session_started') {
      this.#sessionId = message.sessionId;
      this.#attempt = 0;
      this.#lastError = undefined;
      this.#heartbeat.start();
      this.#setState('live');
      const held = this.#heldFrames;
      this.#heldFrames = [];
      for (const frame of held) this.sendAudio(frame);
    } else if (message.type === 'error') {
      this.#lastError = message.message;
    }
    this.#options.events.onMessage(message);
  }

  /** Forgets the current socket (a heartbeat death) and handles it as closed with `code`. */
  #drop(code: number): void {
    const socket = this.#socket;
    if (socket !== undefined) {
      detach(socket);
      socket.close();
    }
    this.#handleClose(code);
  }

  #handleClose(code: number): void {
    if (this.#socket !== undefined) detach(this.#socket);
    this.#socket = undefined;
    this.#heartbeat.stop();
    if (this.#ending) {
      this.#finish('ended');
      return;
    }
    if (!this.#everOpened && this.#attempt === 0) {
      // The gateway could not be reached at all: the caller falls back to V1, so this is not
      // reported as a failed call.
      this.#finish('failed', undefined, undefined, { silent: true });
      this.#options.events.onUnreachable();
      return;
    }
    const action = closeAction(code);
    if (action === 'done') {
      this.#finish('ended');
      return;
    }
    if (action === 'stop') {
      this.#fail(describeClose(code, this.#lastError), code);
      return;
    }
    this.#attempt += 1;
    const delay = reconnectDelayMs(this.#attempt);
    if (delay === undefined) {
      this.#fail(
        `${describeClose(code, this.#lastError)} Reconnecting failed; start the call again.`,
        code,
      );
      return;
    }
    this.#setState('reconnecting', { message: describeClose(code), code });
    this.#reconnectTimer = this.#timers.setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#open();
    }, delay);
  }

  #fail(message: string, code: number): void {
    this.#finish('failed', message, code);
  }

  #finish(
    state: 'ended' | 'failed',
    message?: string,
    code?: number,
    options: { silent?: boolean } = {},
  ): void {
    if (this.#state === 'ended' || this.#state === 'failed') return;
    this.#clearReconnect();
    this.#heartbeat.stop();
    if (this.#endTimer !== undefined) this.#timers.clearTimeout(this.#endTimer);
    this.#endTimer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    this.#heldFrames = [];
    if (socket !== undefined) {
      detach(socket);
      socket.close(1000, 'call ended');
    }
    if (options.silent === true) {
      this.#state = state;
      return;
    }
    this.#setState(
      state,
      message === undefined ? undefined : { message, ...(code === undefined ? {} : { code }) },
    );
  }

  #clearReconnect(): void {
    if (this.#reconnectTimer !== undefined) this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
  }

  #send(message: ClientMessage): void {
    const socket = this.#socket;
    if (socket?.readyState === OPEN) socket.send(JSON.stringify(message));
  }

  #setState(state: ConnectionState, detail?: { message?: string; code?: number }): void {
    this.#state = state;
    this.#options.events.onState(state, detail);
  }
}

function detach(socket: VoiceSocket): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = null;
}
