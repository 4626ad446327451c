/**
 * @module voice/call/v2-call
 * A call over the V2 gateway: microphone frames go out as binary, server messages become view
 * actions, the reply's audio goes into the playback queue. Barge-in: when the user speaks while
 * the reply plays, the client sends `interrupt` and flushes playback at once (the server
 * confirms with `interrupted`, and any audio of that turn still in flight is dropped).
 */
import { type ServerMessage, VOICE_DEFAULTS } from '@atlas/protocol';
import type { Logger } from '../../app/logger.js';
import type { CapturedFrame } from '../audio/capture-pipeline.js';
import type { PlaybackQueue } from '../audio/playback-queue.js';
import { SpeechDetector } from '../audio/speech-detector.js';
import { browserTimers, type Timers } from '../connection/timers.js';
import { VoiceConnection, type VoiceSocket } from '../connection/voice-connection.js';
import { BARGE_IN, type CallSession, type Dispatch } from './call-session.js';
import { REPLY_WAIT_MS, ReplyWatchdog } from './reply-watchdog.js';

export interface V2CallOptions {
  url: string;
  getToken: () => Promise<string | undefined>;
  logger: Logger;
  dispatch: Dispatch;
  playback: PlaybackQueue;
  /** The gateway could not be reached: the service falls back to V1. */
  onUnreachable: () => void;
  createSocket?: (url: string) => VoiceSocket;
  timers?: Timers;
}

export class V2Call implements CallSession {
  readonly #options: V2CallOptions;
  readonly #connection: VoiceConnection;
  readonly #bargeIn = new SpeechDetector(BARGE_IN);
  /** The turn whose reply is current, and turns cut short whose late audio must not play. */
  #replyTurn: string | undefined;
  readonly #cancelledTurns = new Set<string>();
  #audioTurn: string | undefined;
  readonly #replyWait: ReplyWatchdog;
  /** Between a final transcript and the end (or interruption) of its reply. */
  #replyOpen = false;

  constructor(options: V2CallOptions) {
    this.#options = options;
    const { dispatch } = options;
    this.#replyWait = new ReplyWatchdog(options.timers ?? browserTimers, () =>
      dispatch({
        type: 'notice',
        message: 'Atlas did not answer in time. Say it again, or end the call and start a new one.',
      }),
    );
    this.#connection = new VoiceConnection({
      url: options.url,
      getToken: options.getToken,
      logger: options.logger,
      ...(options.createSocket ? { createSocket: options.createSocket } : {}),
      ...(options.timers ? { timers: options.timers } : {}),
      events: {
        onState: (state, detail) => {
          if (state === 'reconnecting' || state === 'ended' || state === 'failed') {
            options.playback.flush();
          }
          if (state === 'ended' || state === 'failed') this.#replyWait.settle();
          dispatch({ type: 'status', status: state, message: detail?.message });
        },
        onMessage: (message) => this.#onMessage(message),
        onAudio: (chunk) => {
          if (this.#audioTurn !== undefined && !this.#cancelledTurns.has(this.#audioTurn)) {
            options.playback.enqueue(chunk);
          }
        },
        onUnreachable: options.onUnreachable,
      },
    });
  }

  start(): void {
    this.#options.dispatch({ type: 'mode', mode: 'v2' });
    this.#connection.connect();
  }

  onFrame(frame: CapturedFrame): void {
    this.#connection.sendAudio(frame.pcm);
    if (!this.#options.playback.playing) {
      this.#bargeIn.reset();
      return;
    }
    if (this.#bargeIn.push(frame.level, VOICE_DEFAULTS.frameMs) === 'speech_start') {
      this.#options.logger.debug('barge-in: the user spoke over the reply');
      this.interrupt();
    }
  }

  interrupt(): void {
    if (this.#replyTurn !== undefined) this.#cancelledTurns.add(this.#replyTurn);
    this.#connection.interrupt(this.#replyTurn);
    this.#options.playback.flush();
    this.#bargeIn.reset();
  }

  doneSpeaking(): void {
    // The gateway detects the end of the turn itself; nothing to send.
  }

  end(): void {
    this.#replyWait.settle();
    this.#options.playback.flush();
    this.#connection.end();
  }

  dispose(): void {
    this.#replyWait.settle();
    this.#connection.end({ immediately: true });
  }

  #onMessage(message: ServerMessage): void {
    const { dispatch, playback } = this.#options;
    switch (message.type) {
      case 'session_started':
        // A reply that was in flight when the connection dropped gets a shorter wait.
        if (message.resumed && this.#replyOpen) this.#replyWait.expect(REPLY_WAIT_MS.resumed);
        return;
      case 'partial_transcript':
        dispatch({ type: 'partial', text: message.text });
        return;
      case 'final_transcript':
        dispatch({ type: 'final', text: message.text });
        this.#replyOpen = true;
        this.#replyWait.expect(REPLY_WAIT_MS.newReply);
        return;
      case 'response_start':
        this.#replyTurn = message.turnId;
        dispatch({ type: 'reply_start' });
        return;
      case 'response_text':
        this.#replyWait.settle();
        if (!this.#cancelledTurns.has(message.turnId))
          dispatch({ type: 'reply_delta', text: message.delta });
        return;
      case 'audio_start':
        this.#replyWait.settle();
        this.#audioTurn = message.turnId;
        if (!this.#cancelledTurns.has(message.turnId)) playback.beginStream(message.sampleRate);
        return;
      case 'response_end':
        this.#replyOpen = false;
        this.#replyWait.settle();
        dispatch({ type: 'reply_end', text: message.text });
        return;
      case 'interrupted':
        this.#replyOpen = false;
        this.#replyWait.settle();
        this.#cancelledTurns.add(message.turnId);
        playback.flush();
        return;
      case 'turn_metrics':
        if (message.e2eMs !== null) dispatch({ type: 'latency', ms: message.e2eMs });
        return;
      case 'usage':
        dispatch({ type: 'cost', usd: message.costUsd });
        return;
      case 'budget_warning':
        dispatch({ type: 'budget_warning', costUsd: message.costUsd, limitUsd: message.limitUsd });
        return;
      case 'session_ended':
        dispatch({ type: 'cost', usd: message.costUsd });
        return;
      case 'error':
        // Errors that end the call come back as the close reason; others are worth a note.
        dispatch({ type: 'notice', message: message.message });
        return;
      default:
        return;
    }
  }
}
