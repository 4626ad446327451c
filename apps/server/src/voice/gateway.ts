/**
 * @module voice/gateway
 * The Voice V2 endpoint: accepts WebSocket upgrades at `/v2/voice`, runs the pre-session phase
 * (a valid `session_start` within 10 s), hands the socket to a VoiceSession, and on shutdown
 * tells every live session to resume elsewhere (1001) before records are flushed.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { clientMessageSchema, type Tier, VOICE_CLOSE_CODES } from '@atlas/protocol';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Database, JwtClaims } from '../db/database.js';
import { isAtlasError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { VoiceLimits } from './limits/voice-limits.js';
import type { SentenceSplitterLike } from './reply.js';
import { handshake, type ResumeTicketState, unusedTicketState } from './session-handshake.js';
import { NOOP_OBSERVER, type VoiceObserver } from './voice-observer.js';
import { type RecordSink, type VoiceProviders, VoiceSession } from './voice-session.js';
import { closeCodeFor } from './voice-session-error.js';
import { DEFAULT_VOICE_SETTINGS, type VoiceSettings } from './voice-settings.js';

export const VOICE_PATH = '/v2/voice';

/** Frames a client may send between `session_start` and `session_started`; replayed after. */
const MAX_EARLY_FRAMES = 50;
/** ws closes (1009) above this; frames between 100 KB and this get a polite `bad_audio_chunk`. */
const MAX_PAYLOAD_BYTES = 1024 * 1024;

export interface VoiceGatewayDeps {
  logger: Logger;
  db: Database;
  verifier: TokenVerifier;
  limits: VoiceLimits<ResumeTicketState>;
  records: RecordSink;
  providers: VoiceProviders;
  createSplitter(): SentenceSplitterLike;
  observer?: VoiceObserver;
  settings?: Partial<VoiceSettings>;
  /** Refuses a session beyond tier checks, e.g. when the monthly usage limit is spent. */
  admit?: (claims: JwtClaims, tier: Tier) => Promise<void>;
  /**
   * Browser origins allowed to open a call (the CORS allowlist; same-origin always passes).
   * Upgrades bypass Fastify's hooks, so the gateway checks the Origin itself.
   */
  isOriginAllowed?: (origin: string, host: string | undefined) => boolean;
}

export class VoiceGateway {
  readonly settings: VoiceSettings;
  readonly #deps: VoiceGatewayDeps;
  readonly #observer: VoiceObserver;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES });
  readonly #sessions = new Set<VoiceSession>();
  readonly #connecting = new Set<WebSocket>();
  #accepting = true;

  constructor(deps: VoiceGatewayDeps) {
    this.#deps = deps;
    this.#observer = deps.observer ?? NOOP_OBSERVER;
    this.settings = { ...DEFAULT_VOICE_SETTINGS, ...deps.settings };
  }

  /** Live sessions on this instance. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Connections still in the pre-session phase. */
  get connectingCount(): number {
    return this.#connecting.size;
  }

  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (request.url ?? '/').split('?')[0];
      if (path !== VOICE_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      const origin = request.headers.origin;
      if (
        origin &&
        this.#deps.isOriginAllowed &&
        !this.#deps.isOriginAllowed(origin, request.headers.host)
      ) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
        return;
      }
      if (!this.#accepting) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(request, socket, head, (ws) => this.#onConnection(ws));
    });
  }

  /** Stops accepting, ends every session with 1001 (resumable), waits for their records. */
  async shutdown(): Promise<void> {
    this.#accepting = false;
    for (const ws of this.#connecting)
      ws.close(VOICE_CLOSE_CODES.serverShutdown, 'server_shutdown');
    const closing = [...this.#sessions].map((session) => {
      session.end('server_shutdown', VOICE_CLOSE_CODES.serverShutdown, 'server_shutdown');
      return session.closed;
    });
    await Promise.allSettled(closing);
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #onConnection(ws: WebSocket): void {
    const { logger, limits } = this.#deps;
    const settings = this.settings;
    const malformed = limits.createMalformedCounter();
    const early: Buffer[] = [];
    let session: VoiceSession | undefined;
    let starting = false;
    let gone = false;
    this.#connecting.add(ws);

    const reject = (
      code: Parameters<VoiceSession['sendError']>[0],
      closeCode: number,
      message: string,
    ) => {
      this.#observer.error(code);
      if (ws.readyState === ws.OPEN) {
        ws.send(JSON.stringify({ type: 'error', code, message, retryable: false }));
        ws.close(closeCode, code);
      }
      this.#observer.sessionClosed(closeCode, code);
    };
    const startTimer = setTimeout(() => {
      if (!session)
        reject(
          'session_start_timeout',
          VOICE_CLOSE_CODES.unauthorized,
          `Send session_start within ${settings.sessionStartTimeoutMs / 1000} s of connecting.`,
        );
    }, settings.sessionStartTimeoutMs);

    const preSessionMalformed = (message: string) => {
      if (malformed.record(performance.now()) === 'close') {
        reject('protocol_error', VOICE_CLOSE_CODES.protocolError, 'Too many malformed messages.');
      } else if (ws.readyState === ws.OPEN) {
        ws.send(
          JSON.stringify({ type: 'error', code: 'protocol_error', message, retryable: false }),
        );
      }
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (session) {
        if (isBinary) session.onAudio(data as Buffer);
        else session.onText(String(data));
        return;
      }
      if (isBinary) {
        if (starting && early.length < MAX_EARLY_FRAMES) early.push(data as Buffer);
        else if (!starting) preSessionMalformed('Send session_start before audio.');
        return;
      }
      if (starting) return;
      let json: unknown;
      try {
        json = JSON.parse(String(data));
      } catch {
        preSessionMalformed('Text frames must be JSON objects with a "type".');
        return;
      }
      const parsed = clientMessageSchema.safeParse(json);
      if (!parsed.success || parsed.data.type !== 'session_start') {
        preSessionMalformed('The first message must be a valid session_start.');
        return;
      }
      starting = true;
      void this.#start(ws, parsed.data, early, () => gone)
        .then((started) => {
          session = started;
        })
        .catch((error: unknown) => {
          if (isAtlasError(error)) {
            reject(error.code, closeCodeFor(error), error.message);
          } else {
            logger.error({ err: error }, 'voice session failed to start');
            reject('internal', VOICE_CLOSE_CODES.internalError, 'The session could not start.');
          }
        })
        .finally(() => {
          clearTimeout(startTimer);
          this.#connecting.delete(ws);
        });
    });
    ws.on('pong', () => session?.onPong());
    ws.on('error', (error) => logger.debug({ err: error }, 'voice socket error'));
    ws.on('close', () => {
      gone = true;
      clearTimeout(startTimer);
      this.#connecting.delete(ws);
      session?.onSocketClosed();
    });
  }

  async #start(
    ws: WebSocket,
    start: Parameters<typeof handshake>[0],
    early: Buffer[],
    isGone: () => boolean,
  ): Promise<VoiceSession | undefined> {
    const deps = this.#deps;
    const settings = this.settings;
    const context = await handshake(start, {
      db: deps.db,
      verifier: deps.verifier,
      registry: deps.limits.registry,
      resumeStore: deps.limits.resumeStore,
      historyMessages: settings.historyMessages,
      resumeWindowMs: settings.resumeWindowMs,
      newId: () => crypto.randomUUID(),
      now: () => Date.now(),
      resolveModel: deps.providers.llmModel,
      admit: deps.admit,
    });
    if (isGone() || !this.#accepting) {
      // The client left (or the server began shutting down) during the handshake. A resumed
      // session's ticket goes back, so the client can still resume it (elsewhere).
      const unused = unusedTicketState(context);
      const { userId, sessionId, ticketOwner } = context;
      await Promise.all([
        deps.limits.registry.release(userId, sessionId),
        unused &&
          deps.limits.resumeStore
            .checkpoint({ sessionId, userId, state: unused }, ticketOwner, settings.resumeWindowMs)
            .catch((error: unknown) =>
              deps.logger.warn({ err: error }, 'giving back the resume ticket failed'),
            ),
      ]);
      return undefined;
    }
    const session = new VoiceSession(ws, context, {
      providers: deps.providers,
      registry: deps.limits.registry,
      resumeStore: deps.limits.resumeStore,
      records: deps.records,
      observer: this.#observer,
      settings,
      logger: deps.logger,
      frameGuard: deps.limits.createFrameGuard(),
      malformed: deps.limits.createMalformedCounter(),
      createSplitter: deps.createSplitter,
      newId: () => crypto.randomUUID(),
    });
    this.#sessions.add(session);
    void session.closed.then(() => this.#sessions.delete(session));
    // Provider failures inside start() keep the session up (typed turns still work); anything
    // thrown here is unexpected and ends it.
    try {
      await session.start();
    } catch (error) {
      deps.logger.error({ err: error }, 'voice session failed to start');
      session.end(
        'internal_error',
        VOICE_CLOSE_CODES.internalError,
        'internal',
        'The session could not start.',
      );
      return session;
    }
    if (isGone()) session.onSocketClosed();
    for (const frame of early.splice(0)) session.onAudio(frame);
    return session;
  }
}
