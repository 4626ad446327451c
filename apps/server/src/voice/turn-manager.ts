/**
 * @module voice/turn-manager
 * Turns STT events into user turns and exactly one reply per turn.
 *
 * - Partials are forwarded as they come.
 * - When the turn's hypothesis has been unchanged for `stablePartialMs`, a reply is started
 *   speculatively and held (nothing reaches the client). So it is when the user's audio has
 *   paused for `speculationPauseMs` (the recogniser's results lag the audio, so a pause is
 *   heard before the hypothesis can be seen to be stable), and again at once when a partial
 *   changes the hypothesis during that pause. A pause counts once that much silent audio has
 *   arrived (or the frames stop coming) after speech heard in this turn; shorter silences
 *   inside a phrase start nothing, by either rule, and a speaker too quiet for the level check
 *   gets the stable rule alone.
 * - With the pause hint on, a hypothesis that is stable while the user's audio is still speech
 *   starts nothing: it is the recogniser lagging a long word, not the end of the turn, and each
 *   speculation thrown away costs a real LLM and TTS request (measured: 3.3 discarded per turn
 *   on the benchmark's speech before this rule, most of them mid-sentence). The pause that
 *   ends the turn starts the speculation instead.
 * - A turn starts at most `MAX_SPECULATIONS_PER_TURN` speculations; past that it waits for its
 *   final transcript.
 * - At the end of the turn the held reply is released at once if the final transcript matches
 *   the text it was generated from (normalised); otherwise it is discarded (its tokens still
 *   count) and a reply to the final text starts.
 * - User speech over an active reply (a partial with words), or an `interrupt`, cuts it.
 */
import type { ServerMessage } from '@atlas/protocol';
import type { SttEvent } from '../providers/stt/stt.js';
import { normalizeTranscript } from './normalize-text.js';
import type { Reply, ReplyOutcome } from './reply.js';

export interface TurnMetrics {
  turnId: string;
  sttFirstPartialMs: number | null;
  endOfSpeechToFinalMs: number | null;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
  e2eMs: number | null;
  speculative: boolean;
}

export interface UserTurn {
  turnId: string;
  text: string;
  confidence: number;
}

export interface TurnManagerDeps {
  send(message: ServerMessage): void;
  sessionId: string;
  createReply(turn: { turnId: string; userText: string; speculative: boolean }): Reply;
  /** A user turn is final: store it and add it to the history. */
  onUserTurn(turn: UserTurn): void;
  /** A released reply finished or was interrupted. */
  onReplyDone(outcome: ReplyOutcome, metrics: TurnMetrics): void;
  /** A speculative reply was thrown away; its tokens are real money. */
  onReplyDiscarded(outcome: ReplyOutcome): void;
  newTurnId(): string;
  now(): number;
  stablePartialMs: number;
  /**
   * Start replies on stable partials (default). `false` waits for the final transcript: the
   * baseline the latency benchmark compares speculation against.
   */
  speculation?: boolean;
  /** Silence in the user's audio that starts speculation at once, ms; 0 or absent: off. */
  speculationPauseMs?: number;
  /** Words a partial needs before it counts as barge-in (noise and breaths have none). */
  bargeInMinWords?: number;
}

interface TurnState {
  id: string;
  startedAt: number;
  firstPartialAt: number | null;
  finals: string[];
  confidences: number[];
  hypothesis: string;
  normalized: string;
  lastChangeAt: number;
  /** Speculative replies started in this turn. */
  speculations: number;
}

/**
 * Each speculation costs an LLM request and a TTS request, paid even when thrown away. Ordinary
 * speech discards about none per turn (README, Benchmarks); this bounds what a level check fooled
 * by the microphone (a quiet speaker, a noisy room) could spend when every new partial lands in
 * a "pause". A turn past it waits for its final transcript.
 */
export const MAX_SPECULATIONS_PER_TURN = 4;

export class TurnManager {
  readonly #deps: TurnManagerDeps;
  #turn: TurnState | undefined;
  #speculation: Reply | undefined;
  #active: Reply | undefined;
  #stableTimer: NodeJS.Timeout | undefined;
  #pauseTimer: NodeJS.Timeout | undefined;
  /** `now()` when the user's current pause began; undefined while they speak. */
  #pauseStartedAt: number | undefined;
  /** Silent audio received in the current pause, ms. */
  #pauseAudioMs = 0;
  /**
   * `now()` when the last audio frame, if it was speech, arrived (only tracked with the pause
   * hint on); undefined after a silent frame.
   */
  #speechHeardAt: number | undefined;
  #speechFrameMs = 0;
  /**
   * A speech frame has arrived since the last turn ended. Until one does, silence is not a
   * pause: a speaker too quiet for the level check (or trailing silence after a turn) would
   * otherwise be "in a pause" all along, and every new partial would start, and throw away,
   * a paid speculation.
   */
  #speechSinceTurnEnd = false;
  readonly #pending = new Set<Promise<unknown>>();
  #disposed = false;

  constructor(deps: TurnManagerDeps) {
    this.#deps = deps;
  }

  /** True while a released reply is still being sent. */
  get speaking(): boolean {
    return this.#active?.active === true;
  }

  /** Settles when every reply this manager started has finished (for orderly shutdown). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  handleSttEvent(event: SttEvent): void {
    if (this.#disposed) return;
    switch (event.type) {
      case 'speech_started':
        this.#ensureTurn();
        return;
      case 'partial':
        this.#onHypothesis(event.text, event.confidence, false);
        return;
      case 'final':
        this.#onHypothesis(event.text, event.confidence, true);
        return;
      case 'utterance_end':
        this.#endTurn();
        return;
      case 'error':
        return; // The session owns provider failures.
    }
  }

  /**
   * The level of one audio frame, in arrival order: `speech` or silence, lasting `frameMs`.
   * Only the pause hint for speculation uses it.
   */
  handleAudioLevel(speech: boolean, frameMs: number): void {
    const pauseMs = this.#deps.speculationPauseMs ?? 0;
    if (this.#disposed || pauseMs <= 0 || this.#deps.speculation === false) return;
    const now = this.#deps.now();
    this.#speechHeardAt = speech ? now : undefined;
    this.#speechFrameMs = frameMs;
    this.#clearPauseTimer();
    if (speech) {
      this.#speechSinceTurnEnd = true;
      this.#pauseStartedAt = undefined;
      this.#pauseAudioMs = 0;
      return;
    }
    if (!this.#speechSinceTurnEnd) return;
    // The frame arrives at its end: the silence it holds began one frame earlier.
    this.#pauseStartedAt ??= now - frameMs;
    const before = this.#pauseAudioMs;
    this.#pauseAudioMs += frameMs;
    if (before >= pauseMs) return; // spoken for already
    if (this.#pauseAudioMs >= pauseMs) {
      this.#speculate();
      return;
    }
    // The frames that complete the pause decide; this timer is for audio that stops coming.
    // It waits half a frame past the moment the next frame is due: due exactly then, it raced
    // that frame, and a single silent frame inside a phrase (common: 4 of the benchmark's 6
    // sentences have one) started a speculation about one turn in two, each thrown away at the
    // cost of an LLM and a TTS request.
    this.#pauseTimer = setTimeout(
      () => {
        this.#pauseTimer = undefined;
        this.#speculate();
      },
      pauseMs - this.#pauseAudioMs + frameMs / 2,
    );
  }

  /** A typed turn (`text` message): the same path as a final transcript. */
  handleTextTurn(text: string): void {
    if (this.#disposed) return;
    this.#discardSpeculation();
    this.#clearStableTimer();
    const turnId = this.#turn?.id ?? this.#deps.newTurnId();
    this.#turn = undefined;
    this.#commitTurn({ turnId, text, confidence: 1 }, null, null);
  }

  /** Client-side barge-in. */
  interrupt(turnId?: string): void {
    const active = this.#active;
    if (active?.active && (turnId === undefined || turnId === active.turnId))
      active.cancel('interrupted');
  }

  /** Stops everything; no message is sent after this except what cancelling requires. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#clearStableTimer();
    this.#clearPauseTimer();
    this.#discardSpeculation();
    this.#active?.cancel('interrupted');
  }

  #ensureTurn(): TurnState {
    if (!this.#turn) {
      const now = this.#deps.now();
      this.#turn = {
        id: this.#deps.newTurnId(),
        startedAt: now,
        firstPartialAt: null,
        finals: [],
        confidences: [],
        hypothesis: '',
        normalized: '',
        lastChangeAt: now,
        speculations: 0,
      };
      this.#deps.send({ type: 'speech_started', turnId: this.#turn.id });
    }
    return this.#turn;
  }

  #onHypothesis(text: string, confidence: number, isFinal: boolean): void {
    if (text.trim().length === 0) return;
    const turn = this.#ensureTurn();
    const now = this.#deps.now();
    if (isFinal) {
      turn.finals.push(text.trim());
      turn.confidences.push(confidence);
    }
    const hypothesis = isFinal ? turn.finals.join(' ') : text;
    turn.firstPartialAt ??= now;
    // A final that repeats the last partial tells the client nothing new.
    if (hypothesis !== turn.hypothesis) {
      this.#deps.send({
        type: 'partial_transcript',
        turnId: turn.id,
        text: hypothesis,
        confidence,
        sessionId: this.#deps.sessionId,
      });
    }

    const wordCount = hypothesis.trim().split(/\s+/).length;
    if (this.speaking && wordCount >= (this.#deps.bargeInMinWords ?? 1))
      this.#active?.cancel('interrupted');

    const normalized = normalizeTranscript(hypothesis);
    turn.hypothesis = hypothesis;
    if (normalized !== turn.normalized) {
      turn.normalized = normalized;
      turn.lastChangeAt = now;
      this.#armStableTimer();
      if (!isFinal && this.#inPause(now)) this.#speculate();
    }
  }

  /**
   * The user has been silent for at least `speculationPauseMs`: that much silent audio has
   * arrived, or the frames that would have said otherwise are half a frame late.
   */
  #inPause(now: number): boolean {
    const pauseMs = this.#deps.speculationPauseMs ?? 0;
    return (
      pauseMs > 0 &&
      this.#deps.speculation !== false &&
      this.#pauseStartedAt !== undefined &&
      (this.#pauseAudioMs >= pauseMs ||
        now - this.#pauseStartedAt >= pauseMs + this.#speechFrameMs / 2)
    );
  }

  /** The turn is over: the next one's silence counts as a pause only after its speech. */
  #endPause(): void {
    this.#speechSinceTurnEnd = false;
    this.#pauseStartedAt = undefined;
    this.#pauseAudioMs = 0;
    this.#clearPauseTimer();
  }

  #clearPauseTimer(): void {
    if (this.#pauseTimer) clearTimeout(this.#pauseTimer);
    this.#pauseTimer = undefined;
  }

  #armStableTimer(): void {
    this.#clearStableTimer();
    if (this.#deps.speculation === false) return;
    this.#stableTimer = setTimeout(() => {
      this.#stableTimer = undefined;
      this.#speculateWhenQuiet();
    }, this.#deps.stablePartialMs);
  }

  /**
   * Speculates now, unless the user's audio is still speech: then once it has not been for two
   * frames (a client that stops sending audio altogether must not block speculation forever).
   * Silence shorter than the pause is not yet quiet: the frame or timer that completes the pause
   * speculates (a stable hypothesis over one silent frame inside a phrase, "tell me | something",
   * was most of the benchmark's discarded speculations).
   */
  #speculateWhenQuiet(): void {
    if (this.#pauseStartedAt !== undefined && !this.#inPause(this.#deps.now())) return;
    const heardAt = this.#speechHeardAt;
    if (heardAt !== undefined) {
      const wait = heardAt + 2 * this.#speechFrameMs - this.#deps.now();
      if (wait > 0) {
        this.#stableTimer = setTimeout(() => {
          this.#stableTimer = undefined;
          this.#speculateWhenQuiet();
        }, wait);
        return;
      }
    }
    this.#speculate();
  }

  #clearStableTimer(): void {
    if (this.#stableTimer) clearTimeout(this.#stableTimer);
    this.#stableTimer = undefined;
  }

  #speculate(): void {
    const turn = this.#turn;
    if (!turn || turn.normalized.length === 0 || this.#disposed) return;
    if (this.#speculation && normalizeTranscript(this.#speculation.userText) === turn.normalized)
      return;
    if (turn.speculations >= MAX_SPECULATIONS_PER_TURN) return;
    turn.speculations++;
    this.#discardSpeculation();
    const reply = this.#deps.createReply({
      turnId: turn.id,
      userText: turn.hypothesis,
      speculative: true,
    });
    this.#speculation = reply;
    this.#track(reply);
  }

  #discardSpeculation(): void {
    const speculation = this.#speculation;
    this.#speculation = undefined;
    speculation?.cancel('discarded');
  }

  #endTurn(): void {
    this.#clearStableTimer();
    const turn = this.#turn;
    this.#turn = undefined;
    if (!turn) return;
    const text = (turn.finals.length > 0 ? turn.finals.join(' ') : turn.hypothesis).trim();
    if (text.length === 0) {
      this.#endPause();
      this.#discardSpeculation();
      return;
    }
    const confidence = turn.confidences.length > 0 ? Math.min(...turn.confidences) : 0;
    this.#commitTurn({ turnId: turn.id, text, confidence }, turn, turn.lastChangeAt);
  }

  #commitTurn(userTurn: UserTurn, turn: TurnState | null, endOfSpeechAt: number | null): void {
    this.#endPause();
    const { send } = this.#deps;
    const finalAt = this.#deps.now();
    send({
      type: 'final_transcript',
      turnId: userTurn.turnId,
      text: userTurn.text,
      confidence: userTurn.confidence,
    });
    this.#deps.onUserTurn(userTurn);
    // Only one reply speaks at a time: a new turn cuts whatever the assistant was still saying.
    if (this.#active?.active) this.#active.cancel('interrupted');

    const speculation = this.#speculation;
    this.#speculation = undefined;
    let reply: Reply;
    if (
      speculation &&
      speculation.turnId === userTurn.turnId &&
      normalizeTranscript(speculation.userText) === normalizeTranscript(userTurn.text)
    ) {
      reply = speculation;
    } else {
      speculation?.cancel('discarded');
      reply = this.#deps.createReply({
        turnId: userTurn.turnId,
        userText: userTurn.text,
        speculative: false,
      });
      this.#track(reply);
    }
    this.#active = reply;
    reply.release();
    this.#metricsFor.set(reply, {
      sttFirstPartialMs:
        turn && turn.firstPartialAt !== null ? turn.firstPartialAt - turn.startedAt : null,
      endOfSpeechToFinalMs: endOfSpeechAt === null ? null : finalAt - endOfSpeechAt,
      endOfSpeechAt: endOfSpeechAt ?? finalAt,
    });
  }

  readonly #metricsFor = new WeakMap<
    Reply,
    { sttFirstPartialMs: number | null; endOfSpeechToFinalMs: number | null; endOfSpeechAt: number }
  >();

  #track(reply: Reply): void {
    const pending = reply.done.then((outcome) => {
      this.#pending.delete(pending);
      if (this.#active === reply) this.#active = undefined;
      if (!outcome.released) {
        this.#deps.onReplyDiscarded(outcome);
        return;
      }
      const timing = this.#metricsFor.get(reply);
      const metrics: TurnMetrics = {
        turnId: outcome.turnId,
        sttFirstPartialMs: timing?.sttFirstPartialMs ?? null,
        endOfSpeechToFinalMs: timing?.endOfSpeechToFinalMs ?? null,
        llmTtftMs: outcome.llmTtftMs,
        ttsTtfbMs: outcome.ttsTtfbMs,
        e2eMs:
          outcome.firstAudioAt !== null && timing
            ? Math.max(0, outcome.firstAudioAt - timing.endOfSpeechAt)
            : null,
        speculative: outcome.speculative,
      };
      if (!this.#disposed) this.#deps.send({ type: 'turn_metrics', ...metrics });
      this.#deps.onReplyDone(outcome, metrics);
    });
    this.#pending.add(pending);
  }
}
