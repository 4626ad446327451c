/**
 * @module voice/session-ledger
 * The books of one voice session: what it cost (the meter and its budget) and what must be
 * stored (messages, usage events, the `voice_sessions` row), handed to the background record
 * writer. Nothing here awaits the database.
 */
import { roundUsd, sttCost } from '@atlas/protocol';
import { type BudgetSignal, CostMeter, type CostSnapshot } from './cost-meter.js';
import type { VoiceRecord } from './records/records.js';
import type { ReplyOutcome } from './reply.js';
import type { UserTurn } from './turn-manager.js';

/** Where records go: the background writer (never awaited on the voice path). */
export interface RecordSink {
  enqueue(record: VoiceRecord): void;
}

export interface SessionLedgerOptions {
  sessionId: string;
  userId: string;
  conversationId: string;
  /** Epoch ms of the session's (first) start. */
  startedAt: number;
  llmModel: string;
  sttModel: string;
  ttsModel: string;
  maxCostUsd: number;
  budgetWarningFraction: number;
  restore: CostSnapshot | undefined;
  records: RecordSink;
  newId(): string;
  /** Called with `warning` once at the warning fraction and `exceeded` once at the limit. */
  onBudget(signal: Exclude<BudgetSignal, 'ok'>, snapshot: CostSnapshot): void;
}

export interface UsageFields {
  costUsd: number;
  sttSeconds: number;
  llmInputTokens: number;
  llmOutputTokens: number;
  ttsCharacters: number;
}

/** 16 kHz × 2 bytes: bytes of input audio per second. */
const INPUT_BYTES_PER_SECOND = 32_000;
/** STT usage is added to the meter once per second of audio, not on every frame. */
const METER_EVERY_FRAMES = 10;

export class SessionLedger {
  readonly #o: SessionLedgerOptions;
  readonly #meter: CostMeter;
  #bytesPending = 0;
  #bytesSinceUsageEvent = 0;
  #framesSinceMeter = 0;

  constructor(options: SessionLedgerOptions) {
    this.#o = options;
    this.#meter = new CostMeter({
      maxCostUsd: options.maxCostUsd,
      warningFraction: options.budgetWarningFraction,
      ...(options.restore ? { restore: options.restore } : {}),
    });
  }

  get maxCostUsd(): number {
    return this.#meter.maxCostUsd;
  }

  /** A resumed session may already be over budget (the meter reports that only once). */
  get exhausted(): boolean {
    return this.#meter.state === 'exceeded';
  }

  snapshot(): CostSnapshot {
    return this.#meter.snapshot();
  }

  usage(): UsageFields {
    const s = this.#meter.snapshot();
    return {
      costUsd: s.costUsd,
      sttSeconds: s.sttSeconds,
      llmInputTokens: s.llmInputTokens,
      llmOutputTokens: s.llmOutputTokens,
      ttsCharacters: s.ttsCharacters,
    };
  }

  /** The hot path: counts one frame of audio sent to STT. */
  addAudio(bytes: number): void {
    this.#bytesPending += bytes;
    if (++this.#framesSinceMeter >= METER_EVERY_FRAMES) this.#meterAudio();
  }

  conversationCreated(title: string): void {
    const { conversationId, userId, records } = this.#o;
    records.enqueue({ kind: 'conversation', id: conversationId, userId, title });
  }

  userTurn(turn: UserTurn): void {
    const { conversationId, userId, sessionId, records, newId } = this.#o;
    records.enqueue({
      kind: 'message',
      id: newId(),
      conversationId,
      userId,
      role: 'user',
      content: turn.text,
      metadata: {
        voice_call: true,
        session_id: sessionId,
        confidence: turn.confidence,
        turn_id: turn.turnId,
      },
    });
    this.#meterAudio();
    this.#sttUsageEvent(turn.turnId);
  }

  replyDone(outcome: ReplyOutcome): void {
    const { conversationId, userId, sessionId, records, newId } = this.#o;
    records.enqueue({
      kind: 'message',
      id: newId(),
      conversationId,
      userId,
      role: 'assistant',
      content: outcome.sentText,
      metadata: {
        voice_call: true,
        session_id: sessionId,
        turn_id: outcome.turnId,
        interrupted: outcome.interrupted,
        speculative: outcome.speculative,
      },
    });
    this.#replyCosts(outcome, false);
  }

  /** A speculative reply thrown away: never heard, but its tokens and characters were paid for. */
  replyDiscarded(outcome: ReplyOutcome): void {
    this.#replyCosts(outcome, true);
  }

  /** Books the audio not yet accounted for (at the end of a session). */
  settleAudio(): void {
    this.#meterAudio();
    this.#sttUsageEvent();
  }

  /** The `voice_sessions` row; `null` while the session is live. */
  sessionRow(endReason: string | null, turns: number): void {
    const s = this.#meter.snapshot();
    const { sessionId, userId, conversationId, startedAt, records } = this.#o;
    const endedAt = endReason === null ? null : new Date();
    records.enqueue({
      kind: 'voice_session',
      id: sessionId,
      userId,
      conversationId,
      startedAt: new Date(startedAt),
      endedAt,
      durationMs: endedAt ? endedAt.getTime() - startedAt : null,
      sttSeconds: s.sttSeconds,
      llmInputTokens: s.llmInputTokens,
      llmOutputTokens: s.llmOutputTokens,
      ttsCharacters: s.ttsCharacters,
      sttCostUsd: s.sttCostUsd,
      llmCostUsd: s.llmCostUsd,
      ttsCostUsd: s.ttsCostUsd,
      costUsd: s.costUsd,
      endReason,
      metrics: {
        turns,
        cancelled_llm_input_tokens: s.cancelledLlmInputTokens,
        cancelled_llm_output_tokens: s.cancelledLlmOutputTokens,
      },
    });
  }

  #replyCosts(outcome: ReplyOutcome, cancelled: boolean): void {
    const { userId, sessionId, llmModel, ttsModel, records, newId } = this.#o;
    const before = this.#meter.snapshot();
    const llmSignal = this.#meter.addLlm({
      inputTokens: outcome.inputTokens,
      outputTokens: outcome.outputTokens,
      model: llmModel,
      cancelled,
    });
    const afterLlm = this.#meter.snapshot();
    records.enqueue({
      kind: 'usage_event',
      id: newId(),
      userId,
      feature: 'voice_llm',
      model: llmModel,
      tokensInput: outcome.inputTokens,
      tokensOutput: outcome.outputTokens,
      costUsd: roundUsd(afterLlm.llmCostUsd - before.llmCostUsd),
      meta: {
        session_id: sessionId,
        turn_id: outcome.turnId,
        speculative: outcome.speculative,
        cancelled,
        interrupted: outcome.interrupted,
      },
    });
    this.#signal(llmSignal);
    if (outcome.ttsCharacters === 0) return;
    const ttsSignal = this.#meter.addTts(outcome.ttsCharacters, ttsModel);
    records.enqueue({
      kind: 'usage_event',
      id: newId(),
      userId,
      feature: 'voice_tts',
      model: ttsModel,
      costUsd: roundUsd(this.#meter.snapshot().ttsCostUsd - afterLlm.ttsCostUsd),
      meta: {
        session_id: sessionId,
        turn_id: outcome.turnId,
        characters: outcome.ttsCharacters,
        cancelled,
      },
    });
    this.#signal(ttsSignal);
  }

  #meterAudio(): void {
    this.#framesSinceMeter = 0;
    if (this.#bytesPending === 0) return;
    const seconds = this.#bytesPending / INPUT_BYTES_PER_SECOND;
    this.#bytesSinceUsageEvent += this.#bytesPending;
    this.#bytesPending = 0;
    this.#signal(this.#meter.addStt(seconds, this.#o.sttModel));
  }

  /** One `voice_stt` usage event for the audio heard since the previous one. */
  #sttUsageEvent(turnId?: string): void {
    if (this.#bytesSinceUsageEvent === 0) return;
    const { userId, sessionId, sttModel, records, newId } = this.#o;
    const seconds = this.#bytesSinceUsageEvent / INPUT_BYTES_PER_SECOND;
    this.#bytesSinceUsageEvent = 0;
    records.enqueue({
      kind: 'usage_event',
      id: newId(),
      userId,
      feature: 'voice_stt',
      model: sttModel,
      costUsd: sttCost(sttModel, seconds).usd,
      meta: { session_id: sessionId, seconds, ...(turnId ? { turn_id: turnId } : {}) },
    });
  }

  #signal(signal: BudgetSignal): void {
    if (signal !== 'ok') this.#o.onBudget(signal, this.#meter.snapshot());
  }
}
