/**
 * @module deepgram/deepgram-fake
 * A wire-faithful fake of Deepgram's `/v1/listen`: the live WebSocket API (handshake auth,
 * query parameters, Results / SpeechStarted / UtteranceEnd / Metadata as JSON text frames,
 * KeepAlive / Finalize / CloseStream, the 10 s NET-0001 idle close) and the pre-recorded
 * `POST /v1/listen`. What it hears comes from a `Recognizer` (a script by default). Latency
 * follows a `LatencyProfile`; faults (handshake status, hang, close after N frames, cut) are
 * queued per connection or request. Everything a client did is recorded for assertions.
 *
 * @example
 * const fake = await startDeepgramFake({ script: ['hello there'] });
 * const dg = new DeepgramClient({ apiKey: 'test', baseUrl: fake.url });
 * fake.faults.push({ kind: 'ws_close', code: 1011, reason: 'NET-0000', afterFrames: 5 });
 * // … stream audio, then:
 * expect(fake.connections[0]?.keepAlives).toBeGreaterThan(0);
 * await fake.close();
 */
import { randomUUID } from 'node:crypto';
import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { type Fault, FaultQueue } from '../faults.js';
import { listen, type RunningFake, readBody, sendJson } from '../http-server.js';
import { type LatencyProfile, ZERO_PROFILE } from '../profiles.js';
import { LiveTranscriber, type LiveTranscriberConfig } from './live-transcriber.js';
import { type DeepgramLiveMessage, errorBody, prerecordedResponse } from './messages.js';
import {
  DEFAULT_SPEECH_THRESHOLD,
  type Recognizer,
  ScriptRecognizer,
  type ScriptRecognizerOptions,
} from './recognizer.js';
import { transcribeFile } from './transcribe-file.js';

export interface DeepgramFakeOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Accepted API keys / tokens; any non-empty credential when omitted. */
  apiKeys?: readonly string[];
  /** Interim cadence, result lag and default endpointing. Default: `ZERO_PROFILE`. */
  profile?: LatencyProfile;
  /** What the speaker says, one utterance per speech segment (ignored with `recognizer`). */
  script?: readonly string[];
  scriptOptions?: ScriptRecognizerOptions;
  /** Hears the audio instead of the script (e.g. PocketSphinx, `CodedSpeechRecognizer`). */
  recognizer?: Recognizer;
  /** RMS level of PCM16 that counts as speech. */
  speechThreshold?: number;
  /** Close 1011 `NET-0001` after this long without audio or KeepAlive. Default 10 000 ms. */
  idleTimeoutMs?: number;
  /** Outside speech, settle silence with an empty final result this often. Default 1 000 ms. */
  silenceResultMs?: number;
  /** Confidence of the script's words, and of any recognizer that reports none. */
  confidence?: number;
}

export interface ConnectionClose {
  readonly code: number;
  readonly reason: string;
  /** Who started the close. */
  readonly by: 'server' | 'client';
}

/** One live `/v1/listen` WebSocket as the fake saw it. */
export class FakeListenConnection {
  readonly id: number;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** The key or token the client authenticated with. */
  readonly credential: string;
  framesReceived = 0;
  bytesReceived = 0;
  keepAlives = 0;
  finalizes = 0;
  closeStreams = 0;
  /** Types of the text frames received, in order (`KeepAlive`, `Finalize`, …). */
  readonly controlMessages: string[] = [];
  /** Messages actually written to the socket, in order. */
  readonly sent: DeepgramLiveMessage[] = [];
  closed: ConnectionClose | undefined;
  readonly #ws: WebSocket;
  readonly #onServerClose: () => void;
  #resolveClosed!: (close: ConnectionClose) => void;
  /** Settles when the socket has closed. */
  readonly whenClosed: Promise<ConnectionClose>;

  constructor(
    id: number,
    request: IncomingMessage,
    credential: string,
    ws: WebSocket,
    onServerClose: () => void,
  ) {
    this.id = id;
    this.query = Object.fromEntries(new URL(request.url ?? '/', 'http://fake').searchParams);
    this.headers = request.headers;
    this.credential = credential;
    this.#ws = ws;
    this.#onServerClose = onServerClose;
    this.whenClosed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  /** Closes from the server side now, dropping results not sent yet (a vendor-side failure). */
  close(code = 1011, reason = ''): void {
    if (this.closed) return;
    this.#onServerClose();
    this.markClosed({ code, reason, by: 'server' });
    this.#ws.close(code, reason);
  }

  /** @internal */
  markClosed(close: ConnectionClose): void {
    if (this.closed) return;
    this.closed = close;
    this.#resolveClosed(close);
  }
}

/** One pre-recorded `POST /v1/listen` as the fake saw it. */
export interface FakePrerecordedRequest {
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  bytes: number;
  /** Status the fake answered with (undefined while hung). */
  status: number | undefined;
}

export interface DeepgramFake extends RunningFake {
  readonly faults: FaultQueue;
  readonly connections: readonly FakeListenConnection[];
  readonly requests: readonly FakePrerecordedRequest[];
  /** WebSocket handshakes answered with an HTTP error (auth, fault, bad parameters). */
  readonly rejectedHandshakes: number;
  /** Audio frames received over all connections. */
  readonly framesReceived: number;
  /** The script recognizer, unless a recognizer was given. */
  readonly script: ScriptRecognizer | undefined;
  /** Used by connections and requests opened from now on. */
  recognizer: Recognizer;
  /** Resolves with connection number `count` (1-based) once it is open. */
  waitForConnection(count: number, timeoutMs?: number): Promise<FakeListenConnection>;
}

function credentialOf(request: IncomingMessage, allowSubprotocol: boolean): string | undefined {
  const header = request.headers.authorization;
  if (header) return /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim())?.[1];
  if (!allowSubprotocol) return undefined;
  // Browsers cannot set headers: `Sec-WebSocket-Protocol: token, <key>` (or `bearer, <jwt>`).
  const protocols = (request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((protocol) => protocol.trim());
  const index = protocols.findIndex(
    (p) => p.toLowerCase() === 'token' || p.toLowerCase() === 'bearer',
  );
  return index >= 0 ? protocols[index + 1] || undefined : undefined;
}

function rejectUpgrade(
  socket: Duplex,
  status: number,
  body: ReturnType<typeof errorBody>,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(text)}`,
    `dg-request-id: ${body.request_id}`,
    `dg-error: ${body.err_msg}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    'Connection: close',
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
}

function statusFault(fault: Extract<Fault, { kind: 'status' }>) {
  const code = fault.status === 429 ? 'TOO_MANY_REQUESTS' : 'FAKE_FAULT';
  const headers: Record<string, string> =
    fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  return { body: errorBody(code, `Injected fault: HTTP ${fault.status}.`), headers };
}

const numberParam = (value: string | null): number | undefined => {
  if (value === null || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
};

export async function startDeepgramFake(options: DeepgramFakeOptions = {}): Promise<DeepgramFake> {
  const profile = options.profile ?? ZERO_PROFILE;
  const faults = new FaultQueue();
  const connections: FakeListenConnection[] = [];
  const requests: FakePrerecordedRequest[] = [];
  const script = new ScriptRecognizer(options.script ?? [], {
    speechThreshold: options.speechThreshold,
    confidence: options.confidence,
    ...options.scriptOptions,
  });
  let recognizer: Recognizer = options.recognizer ?? script;
  let rejectedHandshakes = 0;
  const waiters = new Set<() => void>();
  const speechThreshold = options.speechThreshold ?? DEFAULT_SPEECH_THRESHOLD;
  const confidence = options.confidence ?? 0.98;
  const acceptKey = (key: string | undefined) =>
    key !== undefined && key.length > 0 && (!options.apiKeys || options.apiKeys.includes(key));

  const handlePrerecorded = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const record: FakePrerecordedRequest = {
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      bytes: 0,
      status: undefined,
    };
    requests.push(record);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      sendJson(response, status, body, headers);
    };
    if (!acceptKey(credentialOf(request, false))) {
      return answer(401, errorBody('INVALID_AUTH', 'Invalid credentials.'));
    }
    const fault = faults.next();
    if (fault?.kind === 'status') {
      const { body, headers } = statusFault(fault);
      return answer(fault.status, body, headers);
    }
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'cut' || fault?.kind === 'ws_close') {
      request.socket.destroy();
      return;
    }
    const body = await readBody(request);
    record.bytes = body.byteLength;
    const params = url.searchParams;
    const transcript = transcribeFile(
      new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
      {
        recognizer,
        encoding: params.get('encoding') ?? undefined,
        sampleRate: numberParam(params.get('sample_rate')),
        punctuate: params.get('punctuate') === 'true' || params.get('smart_format') === 'true',
        speechThreshold,
        confidence,
      },
    );
    const requestId = randomUUID();
    answer(
      200,
      prerecordedResponse(
        requestId,
        transcript.durationSeconds * 1000,
        transcript.channels,
        transcript.alternative,
      ),
      { 'dg-request-id': requestId },
    );
  };

  const running = await listen(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    if (request.method === 'POST' && url.pathname === '/v1/listen') {
      await handlePrerecorded(request, response);
      return;
    }
    sendJson(
      response,
      404,
      errorBody('NOT_FOUND', `No route for ${request.method} ${url.pathname}`),
    );
  }, options.port ?? 0);

  const wss = new WebSocketServer({ noServer: true });

  const openConnection = (
    ws: WebSocket,
    request: IncomingMessage,
    credential: string,
    fault: Fault | undefined,
  ) => {
    const params = new URL(request.url ?? '/', 'http://fake').searchParams;
    const endpointing = params.get('endpointing');
    const requestId = randomUUID();
    const lagMs = profile.stt.lagMs;
    const timers = new Set<NodeJS.Timeout>();
    let idleTimer: NodeJS.Timeout | undefined;
    const stopTimers = () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = undefined;
    };
    const connection = new FakeListenConnection(
      connections.length + 1,
      request,
      credential,
      ws,
      () => {
        stopTimers();
        transcriber.abort();
      },
    );
    const deliver = (message: DeepgramLiveMessage) => {
      if (connection.closed || ws.readyState !== ws.OPEN) return;
      connection.sent.push(message);
      ws.send(JSON.stringify(message));
    };
    const later = (action: () => void) => {
      if (lagMs <= 0) return action();
      // One fixed lag for every message keeps them in order (timers of equal delay fire FIFO).
      const timer = setTimeout(() => {
        timers.delete(timer);
        action();
      }, lagMs);
      timers.add(timer);
    };
    const config: LiveTranscriberConfig = {
      requestId,
      sampleRate: numberParam(params.get('sample_rate')) ?? 16_000,
      channels: numberParam(params.get('channels')) ?? 1,
      interimResults: params.get('interim_results') === 'true',
      endpointingMs: numberParam(endpointing) ?? profile.stt.endpointingMs,
      speechFinal: endpointing !== 'false',
      utteranceEndMs: numberParam(params.get('utterance_end_ms')),
      vadEvents: params.get('vad_events') === 'true',
      punctuate: params.get('punctuate') === 'true' || params.get('smart_format') === 'true',
      partialEveryMs: profile.stt.partialEveryMs,
      speechThreshold,
      silenceResultMs: options.silenceResultMs ?? 1_000,
      defaultConfidence: confidence,
      recognizer,
    };
    const transcriber = new LiveTranscriber(config, (message) => later(() => deliver(message)));
    const armIdle = () => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(
        () => connection.close(1011, 'NET-0001'),
        options.idleTimeoutMs ?? 10_000,
      );
    };
    connections.push(connection);
    armIdle();

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (connection.closed) return;
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      if (!isBinary) {
        let type = 'invalid';
        try {
          type = String((JSON.parse(bytes.toString('utf8')) as { type?: unknown }).type);
        } catch {}
        connection.controlMessages.push(type);
        if (type === 'KeepAlive') {
          connection.keepAlives++;
          armIdle();
        } else if (type === 'Finalize') {
          connection.finalizes++;
          transcriber.finalize();
        } else if (type === 'CloseStream') {
          connection.closeStreams++;
          closeStream();
        } else {
          // Observed from the real service for unreadable text frames (not in the spec).
          const description = `Could not deserialize last text message: ${bytes.toString('utf8').slice(0, 100)}`;
          ws.send(
            JSON.stringify({
              type: 'Error',
              variant: 'SchemaError',
              description,
              message: description,
            }),
          );
        }
        return;
      }
      connection.framesReceived++;
      connection.bytesReceived += bytes.byteLength;
      // An empty binary frame meant "close" before CloseStream existed; Deepgram still obeys it.
      if (bytes.byteLength === 0) return closeStream();
      armIdle();
      transcriber.audio(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      if (fault?.kind === 'ws_close' && connection.framesReceived === fault.afterFrames) {
        connection.close(fault.code, fault.reason ?? '');
      } else if (fault?.kind === 'cut' && connection.framesReceived === fault.afterChunks) {
        stopTimers();
        transcriber.abort();
        connection.markClosed({ code: 1006, reason: '', by: 'server' });
        ws.terminate();
      }
    });

    const closeStream = () => {
      transcriber.closeStream();
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = undefined;
      later(() => {
        if (connection.closed) return;
        connection.markClosed({ code: 1000, reason: '', by: 'server' });
        stopTimers();
        ws.close(1000);
      });
    };

    ws.on('close', (code: number, reason: Buffer) => {
      stopTimers();
      transcriber.abort();
      connection.markClosed({ code, reason: reason.toString('utf8'), by: 'client' });
    });
    ws.on('error', () => {});
    for (const wake of waiters) wake();
  };

  running.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const url = new URL(request.url ?? '/', 'http://fake');
    const reject = (
      status: number,
      body: ReturnType<typeof errorBody>,
      headers?: Record<string, string>,
    ) => {
      rejectedHandshakes++;
      rejectUpgrade(socket, status, body, headers);
    };
    if (url.pathname !== '/v1/listen') {
      return reject(404, errorBody('NOT_FOUND', `No WebSocket route ${url.pathname}`));
    }
    const credential = credentialOf(request, true);
    if (!acceptKey(credential) || credential === undefined) {
      return reject(401, errorBody('INVALID_AUTH', 'Invalid credentials.'));
    }
    const encoding = url.searchParams.get('encoding');
    if (encoding !== 'linear16') {
      return reject(
        400,
        errorBody(
          'UNSUPPORTED_ENCODING',
          'The Deepgram fake decodes only encoding=linear16 audio.',
        ),
      );
    }
    const fault = faults.next();
    if (fault?.kind === 'status') {
      const { body, headers } = statusFault(fault);
      return reject(fault.status, body, headers);
    }
    if (fault?.kind === 'hang') return; // The socket stays open, unanswered, until close().
    wss.handleUpgrade(request, socket, head, (ws) =>
      openConnection(ws, request, credential, fault),
    );
  });

  return {
    server: running.server,
    url: running.url,
    port: running.port,
    faults,
    connections,
    requests,
    script: options.recognizer ? undefined : script,
    get rejectedHandshakes() {
      return rejectedHandshakes;
    },
    get framesReceived() {
      return connections.reduce((sum, connection) => sum + connection.framesReceived, 0);
    },
    get recognizer() {
      return recognizer;
    },
    set recognizer(value: Recognizer) {
      recognizer = value;
    },
    waitForConnection(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const connection = connections[count - 1];
          if (!connection) return false;
          cleanup();
          resolve(connection);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`Deepgram fake: connection ${count} did not open within ${timeoutMs} ms`),
          );
        }, timeoutMs);
        const wake = () => void check();
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
        check();
      });
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await running.close();
    },
  };
}
