/**
 * @module providers/stt/deepgram-stt
 * Deepgram live streaming STT (`/v1/listen` over WebSocket) through `@deepgram/sdk` v5, mapped
 * onto the `SttProvider` contract.
 *
 * Reconnection belongs to Atlas, not to the SDK. The SDK's own reconnect (on any close but
 * 1000) is switched off, because it neither knows which audio Deepgram has already settled nor
 * replays anything: the words spoken while it reconnects would be lost. Instead this stream
 * keeps every frame Deepgram has not settled yet (bounded, 30 s by default), and after an
 * unexpected close reconnects with backoff and replays that audio in order (the unsettled tail
 * of the old connection, then whatever arrived meanwhile). The turn's settled segments survive
 * the reconnect; only the interim hypothesis is redone. The session sees a non-fatal `error`
 * per drop and a fatal one only when reconnection gives up.
 *
 * Frames are kept by reference until settled: callers must not reuse a frame's buffer.
 *
 * @example
 * const stt = new DeepgramStt({ apiKey: config.providers.deepgram.apiKey,
 *   baseUrl: config.providers.deepgram.baseUrl }); // DEEPGRAM_BASE_URL
 * const stream = await stt.openStream({ sampleRate: 16_000, onEvent });
 * stream.pushAudio(frame); // 100 ms PCM16 frames
 */
import { PROVIDER_MODELS } from '@atlas/protocol';
import { DeepgramClient } from '@deepgram/sdk';
import { isRetryableStatus, ProviderError } from '../provider-error.js';
import { type RetryPolicy, retryDelay } from '../resilience/retry-policy.js';
import type { SttCapabilities, SttEvent, SttProvider, SttStream, SttStreamOptions } from './stt.js';

export interface DeepgramSttOptions {
  readonly apiKey: string;
  /** `DEEPGRAM_BASE_URL`: another server speaking Deepgram's protocol (default: Deepgram's). */
  readonly baseUrl?: string | undefined;
  readonly model?: string;
  readonly language?: string | undefined;
  /**
   * Silence that ends a segment with `speech_final`, ms; `false` leaves the end of the turn to
   * `UtteranceEnd` alone (noisy rooms, where endpointing fires too early).
   */
  readonly endpointingMs?: number | false;
  /** Word gap after which Deepgram sends `UtteranceEnd`, ms (Deepgram advises ≥ 1000). */
  readonly utteranceEndMs?: number;
  /**
   * KeepAlive cadence while no audio flows, ms: checked this often, so a quiet gap is at most
   * twice this (Deepgram closes after 10 s without audio or KeepAlive).
   */
  readonly keepAliveMs?: number;
  readonly connectTimeoutMs?: number;
  /** How long `close()` waits for Deepgram to flush and close after CloseStream. */
  readonly closeTimeoutMs?: number;
  /** Unsettled audio kept for replay, ms; the oldest is dropped beyond it. */
  readonly maxBufferedMs?: number;
  /** Backoff between reconnect attempts; `attempts` counts the drop itself. */
  readonly reconnectPolicy?: RetryPolicy;
  readonly random?: () => number;
}

export const DEFAULT_RECONNECT_POLICY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  maxRetryAfterMs: 10_000,
};

const CAPABILITIES: SttCapabilities = { interimResults: true, vadEvents: true, sampleRate: 16_000 };
const PROVIDER = 'deepgram';

/** Close codes after which the same request would fail again (bad audio, policy). */
const FINAL_CLOSE_CODES = new Set([1002, 1003, 1007, 1008]);

type ListenSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;

interface ResultsLike {
  readonly type: 'Results';
  readonly start?: number;
  readonly duration?: number;
  readonly is_final?: boolean;
  readonly speech_final?: boolean;
  readonly from_finalize?: boolean;
  readonly channel?: {
    readonly alternatives?: ReadonlyArray<{ transcript?: string; confidence?: number }>;
  };
}

function sttError(message: string, retryable: boolean, status?: number, cause?: unknown) {
  return new ProviderError(message, {
    provider: PROVIDER,
    capability: 'stt',
    retryable,
    status,
    cause,
  });
}

/**
 * A failed connection attempt. The SDK hands over only `ws`'s message for a refused upgrade
 * ("Unexpected server response: 429"), so the HTTP status is read back from it.
 */
export function connectionError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const status = Number(/Unexpected server response: (\d{3})/.exec(message)?.[1]);
  if (Number.isInteger(status) && status > 0) {
    return sttError(
      `Deepgram refused the connection (HTTP ${status})`,
      isRetryableStatus(status),
      status,
      error,
    );
  }
  const reason = message === 'TIMEOUT' ? 'timed out' : `failed: ${message}`;
  return sttError(`Deepgram connection ${reason}`, true, undefined, error);
}

function closeError(code: number, reason: string): ProviderError {
  return sttError(
    `Deepgram closed the stream (${code}${reason ? ` ${reason}` : ''})`,
    !FINAL_CLOSE_CODES.has(code),
    code,
  );
}

/**
 * Audio not settled by Deepgram yet, oldest first, addressed by absolute byte offsets in the
 * session's audio. A head index instead of `shift()` keeps pushes and settles O(1).
 */
class UnsettledAudio {
  #frames: Uint8Array[] = [];
  #head = 0;
  #bytes = 0;
  /** Absolute offset just past the newest byte. */
  #end = 0;
  droppedBytes = 0;
  readonly #maxBytes: number;
  readonly #slackBytes: number;

  constructor(maxBytes: number, slackBytes: number) {
    this.#maxBytes = maxBytes;
    this.#slackBytes = slackBytes;
  }

  /** Absolute offset of the oldest byte kept. */
  get start(): number {
    return this.#end - this.#bytes;
  }

  push(frame: Uint8Array): void {
    this.#frames.push(frame);
    this.#bytes += frame.byteLength;
    this.#end += frame.byteLength;
    while (this.#bytes > this.#maxBytes && this.#head < this.#frames.length - 1) {
      this.droppedBytes += this.#dropHead();
    }
  }

  /** Forgets audio before absolute offset `offset` (Deepgram has finalised it). */
  settle(offset: number): void {
    while (this.#head < this.#frames.length) {
      const frame = this.#frames[this.#head] as Uint8Array;
      const frameStart = this.start;
      const remaining = frameStart + frame.byteLength - offset;
      if (remaining <= 0) {
        this.#dropHead();
        continue;
      }
      if (offset > frameStart) {
        // Deepgram's times are rounded: a sliver left of a settled frame is not worth replaying.
        if (remaining <= this.#slackBytes) {
          this.#dropHead();
          continue;
        }
        const cut = offset - frameStart - ((offset - frameStart) % 2);
        this.#frames[this.#head] = frame.subarray(cut);
        this.#bytes -= cut;
      }
      break;
    }
    this.#compact();
  }

  *[Symbol.iterator](): IterableIterator<Uint8Array> {
    for (let i = this.#head; i < this.#frames.length; i++) yield this.#frames[i] as Uint8Array;
  }

  clear(): void {
    this.#frames = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  #dropHead(): number {
    const frame = this.#frames[this.#head] as Uint8Array;
    this.#frames[this.#head] = EMPTY;
    this.#head++;
    this.#bytes -= frame.byteLength;
    return frame.byteLength;
  }

  #compact(): void {
    if (this.#head > 256 && this.#head * 2 > this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
/** `WebSocket.OPEN`. */
const WS_OPEN = 1;

interface Connection {
  readonly socket: ListenSocket;
  /** Absolute offset of the first audio byte sent on this connection (its time zero). */
  base: number;
  readonly closed: Promise<void>;
}

type StreamState = 'open' | 'reconnecting' | 'failed' | 'closed';

class DeepgramSttStream implements SttStream {
  readonly #provider: DeepgramStt;
  readonly #settings: ResolvedSettings;
  readonly #sampleRate: number;
  readonly #onEvent: (event: SttEvent) => void;
  readonly #language: string | undefined;
  readonly #audio: UnsettledAudio;
  #state: StreamState = 'open';
  #connection: Connection | undefined;
  #keepAliveTimer: NodeJS.Timeout | undefined;
  #audioSinceTick = false;
  #finalizeOnReconnect = false;
  /** Drops and failed attempts since the last connection that produced a result. */
  #failures = 0;
  #wakeReconnect: (() => void) | undefined;
  // The turn being heard: settled segments, the interim hypothesis, whether speech was announced.
  #finals: string[] = [];
  #speechAnnounced = false;

  constructor(provider: DeepgramStt, settings: ResolvedSettings, options: SttStreamOptions) {
    this.#provider = provider;
    this.#settings = settings;
    this.#sampleRate = options.sampleRate;
    this.#onEvent = options.onEvent;
    this.#language = options.language ?? settings.language;
    const bytesPerMs = (options.sampleRate * 2) / 1000;
    this.#audio = new UnsettledAudio(
      Math.round(settings.maxBufferedMs * bytesPerMs),
      Math.round(10 * bytesPerMs),
    );
  }

  /** Audio dropped from the replay buffer because it overflowed (lost if a reconnect replays). */
  get droppedAudioBytes(): number {
    return this.#audio.droppedBytes;
  }

  /** @internal First connection: a failure rejects `openStream`. */
  async start(): Promise<void> {
    this.#connection = await this.#connect();
    const interval = Math.max(10, this.#settings.keepAliveMs);
    this.#keepAliveTimer = setInterval(() => this.#keepAlive(), interval);
    this.#keepAliveTimer.unref();
  }

  pushAudio(frame: Uint8Array): void {
    if (this.#state === 'closed' || this.#state === 'failed' || frame.byteLength === 0) return;
    this.#audio.push(frame);
    this.#audioSinceTick = true;
    if (this.#state !== 'open') return; // replayed once reconnected
    const socket = this.#connection?.socket;
    if (!socket || socket.readyState !== WS_OPEN) return; // closing: the close event follows
    try {
      socket.sendMedia(frame);
    } catch {
      // The socket closed between the check and the send; the frame is kept for replay.
    }
  }

  finalize(): void {
    if (this.#state === 'reconnecting') {
      this.#finalizeOnReconnect = true;
      return;
    }
    if (this.#state !== 'open') return;
    try {
      this.#connection?.socket.sendFinalize({ type: 'Finalize' });
    } catch {
      this.#finalizeOnReconnect = true;
    }
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasOpen = this.#state === 'open';
    this.#state = 'closed';
    this.#stopTimers();
    this.#wakeReconnect?.();
    this.#audio.clear();
    const connection = this.#connection;
    this.#connection = undefined;
    if (!connection) return;
    try {
      if (wasOpen && connection.socket.readyState === WS_OPEN) {
        // CloseStream lets Deepgram flush and bill cleanly; its answer is not needed any more.
        connection.socket.sendCloseStream({ type: 'CloseStream' });
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          connection.closed,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, this.#settings.closeTimeoutMs);
          }),
        ]);
        clearTimeout(timer);
      }
    } catch {
      // Already closing: nothing to flush.
    } finally {
      connection.socket.close();
    }
  }

  async #connect(): Promise<Connection> {
    const settings = this.#settings;
    let socket: ListenSocket;
    try {
      socket = await this.#provider.client.listen.v1.connect({
        model: settings.model,
        encoding: 'linear16',
        sample_rate: this.#sampleRate,
        channels: 1,
        interim_results: 'true',
        endpointing: settings.endpointingMs === false ? 'false' : settings.endpointingMs,
        utterance_end_ms: settings.utteranceEndMs,
        vad_events: 'true',
        smart_format: 'true',
        punctuate: 'true',
        ...(this.#language === undefined ? {} : { language: this.#language }),
        // Atlas owns reconnection (see the module comment): the SDK must never retry.
        reconnectAttempts: 0,
        shouldReconnect: () => false,
        connectionTimeoutInSeconds: settings.connectTimeoutMs / 1000,
      });
    } catch (error) {
      throw connectionError(error);
    }
    return new Promise<Connection>((resolve, reject) => {
      let opened = false;
      let markClosed!: () => void;
      const connection: Connection = {
        socket,
        base: this.#audio.start, // replayed audio starts here (set again on resume)
        closed: new Promise<void>((resolveClosed) => {
          markClosed = resolveClosed;
        }),
      };
      const failOpen = (error: ProviderError) => {
        if (opened) return;
        opened = true; // settled: later events of this socket are ignored
        markClosed();
        socket.close();
        reject(error);
      };
      socket.on('open', () => {
        if (opened) return;
        opened = true;
        resolve(connection);
      });
      socket.on('message', (message: unknown) => {
        if (this.#connection === connection) this.#onMessage(connection, message);
      });
      socket.on('error', (error) => failOpen(connectionError(error)));
      socket.on('close', (event) => {
        const code = typeof event?.code === 'number' ? event.code : 1006;
        const reason = typeof event?.reason === 'string' ? event.reason : '';
        // The SDK reports a failed handshake as a synthetic close 1000 followed, in the same
        // call, by the error that says why: wait for it before settling on the close.
        if (!opened) return queueMicrotask(() => failOpen(closeError(code, reason)));
        markClosed();
        if (this.#connection === connection && this.#state === 'open') {
          void this.#reconnect(closeError(code, reason));
        }
      });
      socket.connect();
    });
  }

  async #reconnect(cause: ProviderError): Promise<void> {
    this.#state = 'reconnecting';
    this.#connection = undefined;
    this.#emit({ type: 'error', error: cause, fatal: false });
    let error = cause;
    for (;;) {
      this.#failures++;
      const delayMs = retryDelay(
        error,
        this.#failures,
        this.#settings.reconnectPolicy,
        this.#settings.random,
      );
      if (delayMs === undefined) return this.#giveUp(error);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.#wakeReconnect = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wakeReconnect = undefined;
      if (this.#state !== 'reconnecting') return;
      let connection: Connection;
      try {
        connection = await this.#connect();
      } catch (failure) {
        error = connectionError(failure);
        continue;
      }
      if (this.#state !== 'reconnecting') {
        connection.socket.close();
        return;
      }
      this.#resume(connection);
      return;
    }
  }

  /** Replays the unsettled audio on a fresh connection, synchronously, before new frames. */
  #resume(connection: Connection): void {
    connection.base = this.#audio.start;
    this.#connection = connection;
    this.#state = 'open';
    // The old connection's interim hypothesis is gone; its settled segments stay in the turn.
    try {
      for (const frame of this.#audio) connection.socket.sendMedia(frame);
      if (this.#finalizeOnReconnect) connection.socket.sendFinalize({ type: 'Finalize' });
      this.#finalizeOnReconnect = false;
    } catch {
      // Closed again mid-replay: its close event starts the next reconnect.
    }
  }

  #giveUp(error: ProviderError): void {
    this.#state = 'failed';
    this.#stopTimers();
    this.#audio.clear();
    this.#emit({
      type: 'error',
      fatal: true,
      error: sttError(
        `Deepgram stream lost, reconnecting gave up: ${error.message}`,
        false,
        error.status,
        error,
      ),
    });
  }

  #keepAlive(): void {
    const quiet = !this.#audioSinceTick;
    this.#audioSinceTick = false;
    if (!quiet || this.#state !== 'open') return;
    const socket = this.#connection?.socket;
    try {
      if (socket?.readyState === WS_OPEN) socket.sendKeepAlive({ type: 'KeepAlive' });
    } catch {
      // Closing: the close event takes over.
    }
  }

  #stopTimers(): void {
    if (this.#keepAliveTimer) clearInterval(this.#keepAliveTimer);
    this.#keepAliveTimer = undefined;
  }

  #onMessage(connection: Connection, message: unknown): void {
    if (this.#state !== 'open' || typeof message !== 'object' || message === null) return;
    const type = (message as { type?: unknown }).type;
    if (type === 'Results') this.#onResults(connection, message as ResultsLike);
    else if (type === 'SpeechStarted') this.#announceSpeech();
    else if (type === 'UtteranceEnd') {
      if (this.#finals.length > 0) this.#endTurn();
    }
  }

  #onResults(connection: Connection, results: ResultsLike): void {
    this.#failures = 0; // this connection works: a later drop starts the backoff afresh
    const alternative = results.channel?.alternatives?.[0];
    const text = alternative?.transcript?.trim() ?? '';
    const confidence = alternative?.confidence ?? 0;
    if (!results.is_final) {
      if (!text) return;
      this.#announceSpeech();
      const turn = this.#finals.length > 0 ? `${this.#finals.join(' ')} ${text}` : text;
      this.#emit({ type: 'partial', text: turn, confidence });
      return;
    }
    const end = (results.start ?? 0) + (results.duration ?? 0);
    this.#audio.settle(connection.base + Math.round(end * this.#sampleRate) * 2);
    if (text) {
      this.#announceSpeech();
      this.#finals.push(text);
      this.#emit({ type: 'final', text, confidence });
    }
    // speech_final: endpointing saw the pause; from_finalize: the session asked to finish.
    if ((results.speech_final || results.from_finalize) && this.#finals.length > 0) this.#endTurn();
  }

  #announceSpeech(): void {
    if (this.#speechAnnounced) return;
    this.#speechAnnounced = true;
    this.#emit({ type: 'speech_started' });
  }

  #endTurn(): void {
    this.#finals = [];
    this.#speechAnnounced = false;
    this.#emit({ type: 'utterance_end' });
  }

  #emit(event: SttEvent): void {
    if (this.#state === 'closed') return;
    this.#onEvent(event);
  }
}

interface ResolvedSettings {
  readonly model: string;
  readonly language: string | undefined;
  readonly endpointingMs: number | false;
  readonly utteranceEndMs: number;
  readonly keepAliveMs: number;
  readonly connectTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly maxBufferedMs: number;
  readonly reconnectPolicy: RetryPolicy;
  readonly random: () => number;
}

export class DeepgramStt implements SttProvider {
  readonly name = PROVIDER;
  readonly capabilities = CAPABILITIES;
  /** @internal */
  readonly client: DeepgramClient;
  readonly #settings: ResolvedSettings;

  constructor(options: DeepgramSttOptions) {
    this.client = new DeepgramClient({
      apiKey: options.apiKey,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    });
    this.#settings = {
      model: options.model ?? PROVIDER_MODELS.deepgramStt,
      language: options.language,
      endpointingMs: options.endpointingMs ?? 300,
      utteranceEndMs: options.utteranceEndMs ?? 1_000,
      keepAliveMs: options.keepAliveMs ?? 3_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      closeTimeoutMs: options.closeTimeoutMs ?? 1_000,
      maxBufferedMs: options.maxBufferedMs ?? 30_000,
      reconnectPolicy: options.reconnectPolicy ?? DEFAULT_RECONNECT_POLICY,
      random: options.random ?? Math.random,
    };
  }

  /** Rejects with a `ProviderError` when the first connection fails (fail over at once). */
  async openStream(options: SttStreamOptions): Promise<SttStream> {
    const stream = new DeepgramSttStream(this, this.#settings, options);
    await stream.start();
    return stream;
  }
}
