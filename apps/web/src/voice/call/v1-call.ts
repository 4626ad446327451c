/**
 * @module voice/call/v1-call
 * The V1 (batch) fallback, for when real-time voice is off or its socket cannot be opened:
 * record a turn (until ~800 ms of silence or "Done speaking"), upload it as WAV to
 * `/v1/voice/transcribe`, stream the reply through the call's conversation, then play the
 * `/v1/voice/speak` audio through the same playback queue. The user can barge in over the
 * reply (or press Interrupt): playback stops and the new turn is recorded.
 */
import { VOICE_DEFAULTS } from '@atlas/protocol';
import type { ApiClient } from '../../api/api-client.js';
import { ApiError, describeError } from '../../api/api-error.js';
import type { Logger } from '../../app/logger.js';
import type { CapturedFrame } from '../audio/capture-pipeline.js';
import type { PlaybackQueue } from '../audio/playback-queue.js';
import { SpeechDetector } from '../audio/speech-detector.js';
import { encodeWav } from '../audio/wav.js';
import { BARGE_IN, type CallSession, type Dispatch } from './call-session.js';
import { TurnRecorder } from './turn-recorder.js';
import { createCallConversation, speak, streamReply, transcribe } from './v1-reply.js';

export type V1Phase = 'listening' | 'recording' | 'thinking' | 'speaking';

const PHASE_WORDS: Record<V1Phase, string> = {
  listening: 'Listening…',
  recording: 'Hearing you… (press “Done speaking” when you are finished)',
  thinking: 'Thinking…',
  speaking: 'Speaking…',
};

export interface V1CallOptions {
  api: ApiClient;
  logger: Logger;
  dispatch: Dispatch;
  playback: PlaybackQueue;
  now?: () => number;
}

export class V1Call implements CallSession {
  readonly #options: V1CallOptions;
  readonly #recorder = new TurnRecorder();
  readonly #bargeIn = new SpeechDetector(BARGE_IN);
  #phase: V1Phase = 'listening';
  #turn: AbortController | undefined;
  #conversationId: string | undefined;
  #closed = false;

  constructor(options: V1CallOptions) {
    this.#options = options;
  }

  get phase(): V1Phase {
    return this.#phase;
  }

  start(): void {
    this.#options.dispatch({ type: 'mode', mode: 'v1' });
    this.#options.dispatch({ type: 'status', status: 'live' });
    this.#setPhase('listening');
  }

  onFrame(frame: CapturedFrame): void {
    if (this.#closed) return;
    if (this.#phase === 'speaking') {
      if (!this.#options.playback.playing) {
        this.#setPhase('listening');
      } else if (this.#bargeIn.push(frame.level, VOICE_DEFAULTS.frameMs) === 'speech_start') {
        this.interrupt();
      }
    }
    if (this.#phase !== 'listening' && this.#phase !== 'recording') return;
    const event = this.#recorder.push(frame);
    if (event === 'speech_start') this.#setPhase('recording');
    else if (event === 'turn_complete') void this.#runTurn();
  }

  interrupt(): void {
    this.#turn?.abort();
    this.#turn = undefined;
    this.#options.playback.flush();
    this.#bargeIn.reset();
    this.#recorder.reset();
    if (!this.#closed) this.#setPhase('listening');
  }

  doneSpeaking(): void {
    if (this.#phase === 'recording' || this.#phase === 'listening') void this.#runTurn();
  }

  end(): void {
    this.dispose();
  }

  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#turn?.abort();
    this.#turn = undefined;
    this.#options.playback.flush();
  }

  async #runTurn(): Promise<void> {
    const pcm = this.#recorder.take();
    if (pcm.byteLength === 0) return;
    const { api, dispatch, playback } = this.#options;
    const now = this.#options.now ?? (() => performance.now());
    const endOfSpeech = now();
    const turn = new AbortController();
    this.#turn = turn;
    this.#setPhase('thinking');
    try {
      const text = await transcribe(
        api,
        encodeWav(pcm, VOICE_DEFAULTS.inputSampleRate),
        turn.signal,
      );
      if (text === '') {
        dispatch({ type: 'notice', message: 'Sorry, I did not catch that. Try again.' });
        this.#phase = 'listening';
        return;
      }
      dispatch({ type: 'final', text });
      this.#conversationId ??= await createCallConversation(api, turn.signal);
      dispatch({ type: 'reply_start' });
      const reply = await streamReply(
        api,
        this.#conversationId,
        text,
        (delta) => {
          if (!turn.signal.aborted) dispatch({ type: 'reply_delta', text: delta });
        },
        turn.signal,
      );
      dispatch({ type: 'reply_end', text: reply });
      if (reply.trim() === '') return this.#setPhase('listening');
      const audio = await speak(api, reply, turn.signal);
      if (turn.signal.aborted) return;
      playback.beginStream(audio.sampleRate);
      playback.enqueue(audio.pcm);
      dispatch({ type: 'latency', ms: Math.round(now() - endOfSpeech) });
      this.#bargeIn.reset();
      this.#setPhase('speaking');
    } catch (error) {
      if (turn.signal.aborted || (error instanceof ApiError && error.code === 'aborted')) return;
      this.#options.logger.warn('V1 voice turn failed', { error: String(error) });
      dispatch({ type: 'error', message: describeError(error) });
      if (!this.#closed) this.#setPhase('listening');
    } finally {
      if (this.#turn === turn) this.#turn = undefined;
    }
  }

  #setPhase(phase: V1Phase): void {
    this.#phase = phase;
    if (!this.#closed) this.#options.dispatch({ type: 'notice', message: PHASE_WORDS[phase] });
  }
}
