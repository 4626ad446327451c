/**
 * @module voice/cost-meter
 * What one voice session has cost so far, against its budget. The gateway feeds it STT seconds,
 * LLM tokens and TTS characters as they are used; each `add*` returns a {@link BudgetSignal} so the
 * caller sends exactly one `budget_warning` and ends the session once the budget is spent.
 *
 * Costs come from the one price table in `@atlas/protocol`. They are computed from the running
 * total of each model (not summed per call) and kept in integer units of 1e-8 USD, so thousands
 * of 100 ms additions neither drift nor lose sub-cent rounding.
 *
 * Cancelled speculative LLM runs are paid for like any other run, so they count in the cost; they
 * are also tracked on their own to show what speculation costs.
 */
import { isPriced, llmCost, sttCost, ttsCost, VOICE_DEFAULTS } from '@atlas/protocol';

/** The meter's totals; also the state a resumed session restores from. */
export interface CostSnapshot {
  costUsd: number;
  sttSeconds: number;
  llmInputTokens: number;
  llmOutputTokens: number;
  ttsCharacters: number;
  sttCostUsd: number;
  llmCostUsd: number;
  ttsCostUsd: number;
  /** Tokens of speculative runs that were cancelled; already included in the totals above. */
  cancelledLlmInputTokens: number;
  cancelledLlmOutputTokens: number;
}

/**
 * What an addition did to the budget:
 * - `'warning'`: this addition crossed the warning line (returned once per session): send
 *   `budget_warning`.
 * - `'exceeded'`: this addition reached the limit (returned once per session): end the session
 *   with 4008. When one addition crosses both lines, only `'exceeded'` is returned.
 * - `'ok'`: nothing new; also every addition after those crossings.
 */
export type BudgetSignal = 'ok' | 'warning' | 'exceeded';

/** Where the session stands: the level, unlike {@link BudgetSignal}, which is an edge. */
export type BudgetState = 'ok' | 'warning' | 'exceeded';

export type CostKind = 'stt' | 'llm' | 'tts';

export interface LlmUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly model: string;
  /** A speculative run that was cancelled before its reply was used. */
  readonly cancelled?: boolean;
}

export interface CostMeterOptions {
  /** Session budget in USD; defaults to the protocol default ($5). */
  readonly maxCostUsd?: number;
  /** Fraction of the budget at which the warning is due; defaults to 0.8. */
  readonly warningFraction?: number;
  /**
   * Totals of the same session before a reconnect. A restored meter already past the warning
   * line does not warn again; one already at the limit reports {@link CostMeter.state}
   * `'exceeded'` at once, so check it when resuming.
   */
  readonly restore?: CostSnapshot;
  /**
   * Called once per kind and model the price table does not know; it is charged at the table's
   * conservative fallback rate. Log it: the price table needs an entry.
   */
  readonly onUnpricedModel?: (kind: CostKind, model: string) => void;
}

/** Running totals of one model. `units` is its cost in 1e-8 USD, recomputed from the totals. */
interface ModelTotals {
  a: number;
  b: number;
  units: number;
}

const UNITS_PER_USD = 1e8;

function toUnits(usd: number): number {
  return Math.round(usd * UNITS_PER_USD);
}

function fromUnits(units: number): number {
  return units / UNITS_PER_USD;
}

/** Bad quantities count as zero: a metering bug must not end a call. */
function amount(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * @example
 * const meter = new CostMeter({ maxCostUsd: 5 });
 * if (meter.addLlm({ inputTokens, outputTokens, model }) === 'warning') sendBudgetWarning();
 */
export class CostMeter {
  readonly maxCostUsd: number;
  readonly warningFraction: number;
  readonly #limitUnits: number;
  readonly #warningUnits: number;
  readonly #onUnpricedModel: ((kind: CostKind, model: string) => void) | undefined;

  // Restored totals, plus what this instance has added per model since.
  readonly #base: CostSnapshot;
  readonly #stt = new Map<string, ModelTotals>();
  readonly #llm = new Map<string, ModelTotals>();
  readonly #tts = new Map<string, ModelTotals>();
  #sttUnits: number;
  #llmUnits: number;
  #ttsUnits: number;
  #sttSeconds = 0;
  #llmInputTokens = 0;
  #llmOutputTokens = 0;
  #ttsCharacters = 0;
  #cancelledInputTokens = 0;
  #cancelledOutputTokens = 0;
  #state: BudgetState = 'ok';

  constructor(options: CostMeterOptions = {}) {
    this.maxCostUsd = options.maxCostUsd ?? VOICE_DEFAULTS.maxCostUsd;
    this.warningFraction = options.warningFraction ?? VOICE_DEFAULTS.budgetWarningFraction;
    if (!(Number.isFinite(this.maxCostUsd) && this.maxCostUsd > 0))
      throw new RangeError(`maxCostUsd must be a positive number, got ${this.maxCostUsd}`);
    if (!(this.warningFraction > 0 && this.warningFraction <= 1))
      throw new RangeError(`warningFraction must be in (0, 1], got ${this.warningFraction}`);
    this.#limitUnits = toUnits(this.maxCostUsd);
    this.#warningUnits = toUnits(this.maxCostUsd * this.warningFraction);
    this.#onUnpricedModel = options.onUnpricedModel;

    const base = options.restore;
    this.#base = {
      costUsd: 0,
      sttSeconds: amount(base?.sttSeconds ?? 0),
      llmInputTokens: amount(base?.llmInputTokens ?? 0),
      llmOutputTokens: amount(base?.llmOutputTokens ?? 0),
      ttsCharacters: amount(base?.ttsCharacters ?? 0),
      sttCostUsd: 0,
      llmCostUsd: 0,
      ttsCostUsd: 0,
      cancelledLlmInputTokens: amount(base?.cancelledLlmInputTokens ?? 0),
      cancelledLlmOutputTokens: amount(base?.cancelledLlmOutputTokens ?? 0),
    };
    this.#sttUnits = toUnits(amount(base?.sttCostUsd ?? 0));
    this.#llmUnits = toUnits(amount(base?.llmCostUsd ?? 0));
    this.#ttsUnits = toUnits(amount(base?.ttsCostUsd ?? 0));
    this.#state = this.#levelOf(this.#totalUnits());
  }

  /** Seconds of audio sent to the recogniser. */
  addStt(seconds: number, model: string): BudgetSignal {
    const s = amount(seconds);
    this.#sttSeconds += s;
    const totals = this.#totals(this.#stt, 'stt', model);
    totals.a += s;
    this.#sttUnits += this.#reprice(totals, toUnits(sttCost(model, totals.a).usd));
    return this.#check();
  }

  /** One LLM run (or the part of it used before it was cut; see `estimateTokens`). */
  addLlm(usage: LlmUsage): BudgetSignal {
    const input = amount(usage.inputTokens);
    const output = amount(usage.outputTokens);
    this.#llmInputTokens += input;
    this.#llmOutputTokens += output;
    if (usage.cancelled === true) {
      this.#cancelledInputTokens += input;
      this.#cancelledOutputTokens += output;
    }
    const { model } = usage;
    const totals = this.#totals(this.#llm, 'llm', model);
    totals.a += input;
    totals.b += output;
    this.#llmUnits += this.#reprice(totals, toUnits(llmCost(model, totals.a, totals.b).usd));
    return this.#check();
  }

  /** Characters of text sent to the synthesiser. */
  addTts(characters: number, model: string): BudgetSignal {
    const c = amount(characters);
    this.#ttsCharacters += c;
    const totals = this.#totals(this.#tts, 'tts', model);
    totals.a += c;
    this.#ttsUnits += this.#reprice(totals, toUnits(ttsCost(model, totals.a).usd));
    return this.#check();
  }

  /** The budget level now (for a resumed session: whether it may continue at all). */
  get state(): BudgetState {
    return this.#state;
  }

  snapshot(): CostSnapshot {
    const base = this.#base;
    return {
      costUsd: fromUnits(this.#totalUnits()),
      // Sums of 0.1 s frames pick up binary noise; microseconds are plenty.
      sttSeconds: Math.round((base.sttSeconds + this.#sttSeconds) * 1e6) / 1e6,
      llmInputTokens: base.llmInputTokens + this.#llmInputTokens,
      llmOutputTokens: base.llmOutputTokens + this.#llmOutputTokens,
      ttsCharacters: base.ttsCharacters + this.#ttsCharacters,
      sttCostUsd: fromUnits(this.#sttUnits),
      llmCostUsd: fromUnits(this.#llmUnits),
      ttsCostUsd: fromUnits(this.#ttsUnits),
      cancelledLlmInputTokens: base.cancelledLlmInputTokens + this.#cancelledInputTokens,
      cancelledLlmOutputTokens: base.cancelledLlmOutputTokens + this.#cancelledOutputTokens,
    };
  }

  #totals(map: Map<string, ModelTotals>, kind: CostKind, model: string): ModelTotals {
    let totals = map.get(model);
    if (totals === undefined) {
      totals = { a: 0, b: 0, units: 0 };
      map.set(model, totals);
      if (!isPriced(kind, model)) this.#onUnpricedModel?.(kind, model);
    }
    return totals;
  }

  /** Stores a model's new cost and returns by how much it changed. */
  #reprice(totals: ModelTotals, units: number): number {
    const delta = units - totals.units;
    totals.units = units;
    return delta;
  }

  #totalUnits(): number {
    return this.#sttUnits + this.#llmUnits + this.#ttsUnits;
  }

  #levelOf(units: number): BudgetState {
    if (units >= this.#limitUnits) return 'exceeded';
    if (units >= this.#warningUnits) return 'warning';
    return 'ok';
  }

  #check(): BudgetSignal {
    const level = this.#levelOf(this.#totalUnits());
    if (level === this.#state) return 'ok';
    // Costs only grow, so the level only moves up; each crossing is reported once.
    this.#state = level;
    return level;
  }
}
