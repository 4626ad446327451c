/**
 * @module voice/voice-session
 * One live voice session on one WebSocket: audio in (the hot path), transcripts and replies out,
 * heartbeats, idle and duration limits, and every way to end. Costs and records are kept by the
 * SessionLedger; turns by the TurnManager.
 *
 * The per-frame path (`onAudio`) does a size/rate check, hands the frame to STT and adds to a
 * counter: no allocation, no await, no database.
 */
import {
  ERROR_CATALOGUE,
  type ErrorCode,
  type ServerMessage,
  VOICE_CLOSE_CODES,
  type VoiceCloseCode,
} from '@atlas/protocol';
import type { WebSocket } from 'ws';
import type { Logger } from '../observability/logger.js';
import type { LlmProvider } from '../providers/llm/llm.js';
import type { SttEvent, SttProvider, SttStream } from '../providers/stt/stt.js';
import type { TtsProvider } from '../providers/tts/tts.js';
import { ConversationHistory } from './conversation-history.js';
import type { FrameGuard } from './limits/frame-guard.js';
import type { MalformedCounter } from './limits/malformed-counter.js';
import type { ResumeStore } from './limits/resume-store.js';
import {
  type HeartbeatHandle,
  type SessionRegistry,
  startHeartbeat,
} from './limits/session-registry.js';
import { StandingTicket } from './limits/standing-ticket.js';
import { Reply, type SentenceSplitterLike } from './reply.js';
import type { ResumeTicketState, SessionContext } from './session-handshake.js';
import { type RecordSink, SessionLedger } from './session-ledger.js';
import { handleClientText } from './session-messages.js';
import { frameDurationMs, isSpeechFrame } from './speech-energy.js';
import { TurnManager } from './turn-manager.js';
import type { VoiceObserver } from './voice-observer.js';
import type { VoiceSettings } from './voice-settings.js';

export type { RecordSink } from './session-ledger.js';

export interface VoiceProviders {
  stt: SttProvider;
  llm: LlmProvider;
  tts: TtsProvider;
  /** Names used for pricing and records. */
  sttModel: string;
  ttsModel: string;
  /**
   * The model the LLM chain really uses for a tier's voice model (an OpenAI-compatible or the
   * offline provider answer with their own); shown in `session_started.model`. Default: as is.
   */
  llmModel?: (tierModel: string) => string;
}

export interface VoiceSessionDeps {
  providers: VoiceProviders;
  registry: SessionRegistry;
  resumeStore: ResumeStore<ResumeTicketState>;
  records: RecordSink;
  observer: VoiceObserver;
  settings: VoiceSettings;
  logger: Logger;
  frameGuard: FrameGuard;
  malformed: MalformedCounter;
  createSplitter(): SentenceSplitterLike;
  newId(): string;
}

/** Why a session ended, as stored in `voice_sessions.end_reason`. */
export type EndReason =
  | 'client_ended'
  | 'disconnected'
  | 'pong_timeout'
  | 'idle_timeout'
  | 'max_duration'
  | 'budget_exceeded'
  | 'protocol_error'
  | 'rate_limited'
  | 'client_too_slow'
  | 'server_shutdown'
  | 'provider_failure'
  | 'internal_error'
  /** The client resumed the session on another connection while this one still ran. */
  | 'resumed_elsewhere';

/** What a resume ticket carries of the conversation (tickets are capped at 16 KiB). */
const RESUME_HISTORY_MESSAGES = 8;
const RESUME_HISTORY_CHARS = 1_000;

export class VoiceSession {
  readonly context: SessionContext;
  readonly #ws: WebSocket;
  readonly #deps: VoiceSessionDeps;
  readonly #ledger: SessionLedger;
  readonly #history: ConversationHistory;
  readonly #turns: TurnManager;
  /** Keeps the session resumable even if this instance dies without a word. */
  readonly #ticket: StandingTicket<ResumeTicketState>;
  readonly #log: Logger;
  /** Whether frames are checked for pauses (the speculation hint); decided once. */
  readonly #listensForPauses: boolean;
  #stt: SttStream | undefined;
  #heartbeat: HeartbeatHandle | undefined;
  #timers: NodeJS.Timeout[] = [];
  #pongTimer: NodeJS.Timeout | undefined;
  #lastActivity = performance.now();
  #turnCount: number;
  #ended = false;
  #started = false;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(ws: WebSocket, context: SessionContext, deps: VoiceSessionDeps) {
    this.#ws = ws;
    this.context = context;
    this.#deps = deps;
    this.#log = deps.logger.child({ sessionId: context.sessionId, userId: context.userId });
    this.#turnCount = context.turnCount;
    this.#listensForPauses = deps.settings.speculation && deps.settings.speculationPauseMs > 0;
    this.#history = new ConversationHistory(context.history, deps.settings.historyMessages);
    this.#ledger = new SessionLedger({
      ...context,
      llmModel: context.model,
      sttModel: deps.providers.sttModel,
      ttsModel: deps.providers.ttsModel,
      maxCostUsd: deps.settings.maxCostUsd,
      budgetWarningFraction: deps.settings.budgetWarningFraction,
      restore: context.costRestore,
      records: deps.records,
      newId: deps.newId,
      onBudget: (signal, snapshot) => {
        if (signal === 'warning') {
          this.send({
            type: 'budget_warning',
            costUsd: snapshot.costUsd,
            limitUsd: this.#ledger.maxCostUsd,
          });
        } else {
          this.#endOverBudget();
        }
      },
    });
    this.#turns = new TurnManager({
      send: (message) => this.send(message),
      sessionId: context.sessionId,
      stablePartialMs: deps.settings.stablePartialMs,
      speculation: deps.settings.speculation,
      speculationPauseMs: deps.settings.speculationPauseMs,
      newTurnId: () => `${context.sessionId.slice(0, 8)}-${++this.#turnCount}`,
      now: () => performance.now(),
      createReply: (turn) => this.#createReply(turn),
      onUserTurn: (turn) => {
        this.#history.add({ role: 'user', content: turn.text });
        this.#ledger.userTurn(turn);
      },
      onReplyDone: (outcome, metrics) => {
        this.#deps.observer.turnCompleted(metrics);
        if (outcome.speculative) this.#deps.observer.speculation('kept');
        if (outcome.sentText.length > 0)
          this.#history.add({ role: 'assistant', content: outcome.sentText });
        this.#ledger.replyDone(outcome);
        this.#ticket.refresh();
        if (outcome.error !== undefined && !this.#ended) {
          this.#log.warn({ err: outcome.error }, 'reply failed');
          this.sendError(
            'provider_unavailable',
            'The assistant could not answer just now. Please try again.',
          );
        }
        this.send({ type: 'usage', ...this.#ledger.usage() });
      },
      onReplyDiscarded: (outcome) => {
        this.#deps.observer.speculation('discarded');
        this.#ledger.replyDiscarded(outcome);
      },
    });
    this.#ticket = new StandingTicket({
      store: deps.resumeStore,
      sessionId: context.sessionId,
      userId: context.userId,
      owner: context.ticketOwner,
      ttlMs: deps.settings.resumeWindowMs,
      // With the slot's heartbeat (a third of its lease) and always well within the window.
      intervalMs: Math.max(
        1,
        Math.floor(Math.min(deps.registry.ttlMs, deps.settings.resumeWindowMs) / 3),
      ),
      state: () => this.#ticketState(),
      onTaken: () => this.#resumedElsewhere(),
      onError: (error) => this.#log.warn({ err: error }, 'saving the resume ticket failed'),
    });
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  get sessionId(): string {
    return this.context.sessionId;
  }

  /** Settles once the session has ended and its records are enqueued. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  async start(): Promise<void> {
    const { context } = this;
    const { settings, providers, registry } = this.#deps;
    try {
      this.#stt = await providers.stt.openStream({
        sampleRate: 16_000,
        onEvent: (event) => this.#onSttEvent(event),
      });
    } catch (error) {
      this.#log.warn({ err: error }, 'speech recognition could not start');
    }
    if (context.newConversation) this.#ledger.conversationCreated('Voice call');
    this.#ledger.sessionRow(null, this.#turnCount);
    this.send({
      type: 'session_started',
      sessionId: context.sessionId,
      conversationId: context.conversationId,
      resumed: context.resumed,
      model: context.model,
      limits: {
        maxDurationMs: settings.maxDurationMs,
        maxCostUsd: settings.maxCostUsd,
        budgetWarningFraction: settings.budgetWarningFraction,
      },
      audioOut: { encoding: 'linear16', sampleRate: providers.tts.capabilities.sampleRate },
    });
    this.#started = true;
    this.#deps.observer.sessionStarted(context.resumed);
    if (!this.#stt) this.#sttUnavailable();
    if (this.#ledger.exhausted) {
      this.#endOverBudget();
      return;
    }
    this.#startTimers();
    this.#ticket.start();
    this.#heartbeat = startHeartbeat(registry, context.userId, context.sessionId, {
      onError: (error) => this.#log.warn({ err: error }, 'session heartbeat failed'),
      // The lease lapsed (e.g. Redis was unreachable for longer than its TTL): take it again.
      onLost: () => void this.#retakeSlot(),
    });
  }

  /** The hot path: one binary frame of PCM16 audio. */
  onAudio(frame: Buffer): void {
    if (this.#ended) return;
    const now = performance.now();
    this.#lastActivity = now;
    const verdict = this.#deps.frameGuard.check(frame.byteLength, now);
    if (verdict === 'bad_size') {
      this.sendError(
        'bad_audio_chunk',
        `Audio frames must be 100 B to 100 KB of 16-bit samples; got ${frame.byteLength} bytes.`,
      );
      return;
    }
    if (verdict === 'rate_limited') {
      this.end(
        'rate_limited',
        VOICE_CLOSE_CODES.tooManySessions,
        'rate_limited',
        'More than 100 audio frames per second.',
      );
      return;
    }
    this.#stt?.pushAudio(frame);
    this.#ledger.addAudio(frame.byteLength);
    if (this.#listensForPauses) {
      this.#turns.handleAudioLevel(isSpeechFrame(frame), frameDurationMs(frame.byteLength));
    }
  }

  onText(raw: string): void {
    if (this.#ended) return;
    this.#lastActivity = performance.now();
    handleClientText(raw, {
      ping: (id) => this.send({ type: 'pong', id }),
      interrupt: (turnId) => this.#turns.interrupt(turnId),
      text: (text) => this.#turns.handleTextTurn(text),
      end: () => this.end('client_ended', VOICE_CLOSE_CODES.normal),
      malformed: (message) => {
        if (this.#deps.malformed.record(performance.now()) === 'close') {
          this.end(
            'protocol_error',
            VOICE_CLOSE_CODES.protocolError,
            'protocol_error',
            'Too many malformed messages.',
          );
        } else {
          this.sendError('protocol_error', message);
        }
      },
    });
  }

  /** The socket closed without an orderly end: keep the session resumable for a while. */
  onSocketClosed(): void {
    if (this.#ended) return;
    this.#finish('disconnected', VOICE_CLOSE_CODES.internalError, true);
  }

  /** Pong from the client (WebSocket-level heartbeat). */
  onPong(): void {
    if (this.#pongTimer) clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }

  send(message: ServerMessage): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#ws.send(JSON.stringify(message));
  }

  sendError(code: ErrorCode, message?: string): void {
    this.#deps.observer.error(code);
    const spec = ERROR_CATALOGUE[code];
    this.send({
      type: 'error',
      code,
      message: message ?? spec.message,
      retryable: spec.retryable,
      sessionId: this.sessionId,
    });
  }

  /**
   * Ends the session: says why (`error` for abnormal ends, always `session_ended`), closes the
   * socket with `closeCode`, releases everything. Idempotent.
   */
  end(reason: EndReason, closeCode: VoiceCloseCode, errorCode?: ErrorCode, message?: string): void {
    if (this.#ended) return;
    if (errorCode) this.sendError(errorCode, message);
    // A shutdown leaves the session resumable elsewhere; every other end is final.
    this.#finish(reason, closeCode, reason === 'server_shutdown');
  }

  #endOverBudget(): void {
    this.end(
      'budget_exceeded',
      VOICE_CLOSE_CODES.limitReached,
      'limit_reached',
      `The session budget of $${this.#ledger.maxCostUsd.toFixed(2)} was reached.`,
    );
  }

  #finish(reason: EndReason, closeCode: VoiceCloseCode, resumable: boolean): void {
    this.#ended = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    this.onPong();
    this.#heartbeat?.stop();
    this.#turns.dispose();
    const stt = this.#stt;
    this.#stt = undefined;
    void stt
      ?.close()
      .catch((error: unknown) => this.#log.warn({ err: error }, 'closing STT failed'));
    this.#ledger.settleAudio();

    const durationMs = Math.max(0, Date.now() - this.context.startedAt);
    const { costUsd } = this.#ledger.usage();
    this.send({ type: 'session_ended', reason, durationMs, costUsd });
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.close(closeCode, reason);
    this.#deps.observer.sessionClosed(closeCode, reason);
    if (this.#started) this.#deps.observer.sessionEnded();
    this.#log.info({ reason, closeCode, durationMs, costUsd }, 'voice session ended');

    this.#cleanup(reason, resumable)
      .catch((error: unknown) => this.#log.error({ err: error }, 'session cleanup failed'))
      .finally(() => this.#resolveClosed());
  }

  async #cleanup(reason: EndReason, resumable: boolean): Promise<void> {
    const { userId, sessionId } = this.context;
    // Replies still unwinding store their (truncated) text before the session row is final.
    await this.#turns.settled();
    // Taken over (the client resumed elsewhere), the session's row, ticket and slot belong to
    // the new run, which shares the session id: this run must touch none of them.
    if (this.#ticket.taken) return;
    if (resumable) {
      // The final ticket (the window starts now), only if the session is still ours.
      if ((await this.#ticket.final()) === 'taken') return;
      this.#ledger.sessionRow(reason, this.#turnCount);
      await this.#deps.registry.release(userId, sessionId);
      return;
    }
    // An orderly end frees the slot at once: the caller may start another session as soon as
    // this one has closed. Should a takeover surface only now, the new run's heartbeat finds
    // the slot gone and takes it again.
    const [outcome] = await Promise.all([
      this.#ticket.release(),
      this.#deps.registry.release(userId, sessionId),
    ]);
    if (outcome !== 'taken') this.#ledger.sessionRow(reason, this.#turnCount);
  }

  /** What a resume continues from; the audio heard so far is booked first (see below). */
  #ticketState(): ResumeTicketState {
    const { conversationId, startedAt, newConversation } = this.context;
    // The cost a resume continues from must be exactly what the usage events add up to, even
    // if this instance dies right after: so the audio not yet in a usage event gets one now.
    this.#ledger.settleAudio();
    return {
      conversationId,
      startedAt,
      cost: this.#ledger.snapshot(),
      turnCount: this.#turnCount,
      history: this.#history.recent(RESUME_HISTORY_MESSAGES, RESUME_HISTORY_CHARS),
      newConversation,
    };
  }

  /** Another connection resumed this session (this one is likely half-open): end quietly. */
  #resumedElsewhere(): void {
    if (this.#ended) return;
    this.#log.info('session resumed on another connection: ending this one');
    this.#finish('resumed_elsewhere', VOICE_CLOSE_CODES.normal, false);
  }

  async #retakeSlot(): Promise<void> {
    if (this.#ended) return;
    const { userId, sessionId } = this.context;
    const slot = await this.#deps.registry.acquire(userId, sessionId).catch(() => undefined);
    if (slot?.ok === false) {
      this.end(
        'rate_limited',
        VOICE_CLOSE_CODES.tooManySessions,
        'too_many_sessions',
        'Your session slot was lost and the limit is reached.',
      );
      return;
    }
    if (!this.#ended) {
      this.#heartbeat = startHeartbeat(this.#deps.registry, userId, sessionId, {
        onError: (error) => this.#log.warn({ err: error }, 'session heartbeat failed'),
        onLost: () => void this.#retakeSlot(),
      });
    }
  }

  #startTimers(): void {
    const { settings } = this.#deps;
    const remaining = settings.maxDurationMs - (Date.now() - this.context.startedAt);
    this.#timers.push(
      setTimeout(
        () =>
          this.end(
            'max_duration',
            VOICE_CLOSE_CODES.limitReached,
            'limit_reached',
            'The maximum session duration was reached.',
          ),
        Math.max(0, remaining),
      ),
    );
    this.#armIdleTimer(settings.idleTimeoutMs);
    const ping = setInterval(() => {
      if (this.#pongTimer || this.#ws.readyState !== this.#ws.OPEN) return;
      this.#ws.ping();
      this.#pongTimer = setTimeout(() => {
        this.#pongTimer = undefined;
        this.#log.info('no pong from client: dropping the connection');
        this.#ws.terminate();
        this.#finish('pong_timeout', VOICE_CLOSE_CODES.internalError, true);
      }, settings.pongTimeoutMs);
    }, settings.pingIntervalMs);
    this.#timers.push(ping);
  }

  /** Re-arms itself for the remaining time instead of being reset on every frame. */
  #armIdleTimer(delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers = this.#timers.filter((t) => t !== timer);
      const idleFor = performance.now() - this.#lastActivity;
      const { idleTimeoutMs } = this.#deps.settings;
      if (idleFor >= idleTimeoutMs) {
        this.end(
          'idle_timeout',
          VOICE_CLOSE_CODES.idleTimeout,
          'idle_timeout',
          `No audio or message for ${Math.round(idleTimeoutMs / 1000)} s.`,
        );
      } else {
        this.#armIdleTimer(idleTimeoutMs - idleFor);
      }
    }, delayMs);
    this.#timers.push(timer);
  }

  #onSttEvent(event: SttEvent): void {
    if (this.#ended) return;
    if (event.type === 'error') {
      this.#log.warn({ err: event.error, fatal: event.fatal }, 'speech recognition failed');
      if (event.fatal) this.#sttUnavailable();
      return;
    }
    this.#turns.handleSttEvent(event);
  }

  /**
   * Every speech recognizer has failed. The call stays up (typed turns and replies still work,
   * costs and limits still apply) and the user is told why their voice is not heard.
   */
  #sttUnavailable(): void {
    const stt = this.#stt;
    this.#stt = undefined;
    void stt?.close().catch(() => {});
    this.sendError(
      'provider_unavailable',
      "Speech recognition is unavailable right now; I can't hear you, but you can still type.",
    );
  }

  #createReply(turn: { turnId: string; userText: string; speculative: boolean }): Reply {
    const { providers, settings } = this.#deps;
    return new Reply({
      ...turn,
      model: this.context.model,
      system: settings.systemPrompt,
      history: this.#history.forReply(turn.userText),
      llm: providers.llm,
      tts: providers.tts,
      sink: { send: (message) => this.send(message), sendAudio: (chunk) => this.#sendAudio(chunk) },
      splitter: this.#deps.createSplitter(),
      now: () => performance.now(),
      maxTokens: settings.maxReplyTokens,
      apology: settings.apology,
    });
  }

  #sendAudio(chunk: Uint8Array): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    if (this.#ws.bufferedAmount > this.#deps.settings.maxBufferedBytes) {
      this.end('client_too_slow', VOICE_CLOSE_CODES.internalError, 'client_too_slow');
      return;
    }
    this.#ws.send(chunk, { binary: true });
  }
}
