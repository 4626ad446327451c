/**
 * @module voice/reply
 * One assistant reply: LLM deltas → sentence splitter → TTS per sentence (the next sentence is
 * synthesised while the current one streams; sentences that pile up behind it are joined into one
 * request) → the client.
 *
 * Text that arrives in a burst (a model faster than the network, several events in one read)
 * leaves as its first piece at once and the rest as one message on the next turn of the event
 * loop, not as one WebSocket message per word ahead of the first audio.
 *
 * A reply can be started speculatively and *held*: it generates text and synthesises its first
 * sentence, but nothing reaches the client until `release()`. `cancel()` is synchronous: once it
 * returns, not one more byte of this reply is sent (barge-in within one frame).
 */
import type { ServerMessage } from '@atlas/protocol';
import { estimateTokens, type LlmMessage, type LlmProvider } from '../providers/llm/llm.js';
import { isAbortError } from '../providers/provider-error.js';
import type { TtsProvider } from '../providers/tts/tts.js';
import { SynthesisJob } from './synthesis-job.js';

export interface ReplySink {
  send(message: ServerMessage): void;
  sendAudio(chunk: Uint8Array): void;
}

export interface SentenceSplitterLike {
  push(delta: string): string[];
  flush(): string | undefined;
}

export interface ReplyOptions {
  turnId: string;
  /** The user text this reply answers (normalised comparison decides if a speculation is kept). */
  userText: string;
  speculative: boolean;
  model: string;
  system: string;
  history: readonly LlmMessage[];
  llm: LlmProvider;
  tts: TtsProvider;
  sink: ReplySink;
  splitter: SentenceSplitterLike;
  now: () => number;
  maxTokens?: number;
  /** Said (and shown) instead when the LLM fails before its first word. */
  apology?: string;
}

export interface ReplyOutcome {
  turnId: string;
  userText: string;
  /** What the client received as `response_text` (all of it unless interrupted). */
  sentText: string;
  generatedText: string;
  released: boolean;
  interrupted: boolean;
  speculative: boolean;
  inputTokens: number;
  outputTokens: number;
  ttsCharacters: number;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
  /** `now()` when the first audio byte was handed to the sink. */
  firstAudioAt: number | null;
  error: unknown;
}

type HeldEvent = { kind: 'text'; delta: string } | { kind: 'audio'; chunk: Uint8Array };

export class Reply {
  readonly turnId: string;
  readonly userText: string;
  readonly speculative: boolean;
  readonly done: Promise<ReplyOutcome>;
  readonly #options: ReplyOptions;
  readonly #abort = new AbortController();
  readonly #held: HeldEvent[] = [];
  readonly #jobs: SynthesisJob[] = [];
  #released = false;
  #cancelled = false;
  #interrupted = false;
  #llmDone = false;
  #audioStarted = false;
  #ended = false;
  #streamingIndex = 0;
  #sentText = '';
  #generated = '';
  #inputTokens: number | undefined;
  #outputTokens: number | undefined;
  #llmTtftMs: number | null = null;
  #firstAudioAt: number | null = null;
  /** Text of the current burst not sent yet; undefined when no burst is open (#deliverText). */
  #burstText: string | undefined;
  #error: unknown;
  #wakeSender: (() => void) | undefined;
  #releaseWaiter: (() => void) | undefined;

  constructor(options: ReplyOptions) {
    this.#options = options;
    this.turnId = options.turnId;
    this.userText = options.userText;
    this.speculative = options.speculative;
    this.done = this.#run();
  }

  get released(): boolean {
    return this.#released;
  }

  get active(): boolean {
    return !this.#cancelled && !this.#ended;
  }

  /** Text the client has received so far. */
  get sentText(): string {
    return this.#sentText;
  }

  /** Starts sending: `response_start`, then everything held so far, then live output. */
  release(): void {
    if (this.#released || this.#cancelled) return;
    this.#released = true;
    this.#options.sink.send({ type: 'response_start', turnId: this.turnId });
    // Held text goes as one message per run of words, not one per word: the first audio is
    // right behind it, and every message before it is a socket write on the critical path.
    let text = '';
    for (const event of this.#held.splice(0)) {
      if (event.kind === 'text') {
        text += event.delta;
        continue;
      }
      if (text) this.#deliver({ kind: 'text', delta: text });
      text = '';
      this.#deliver(event);
    }
    if (text) this.#deliver({ kind: 'text', delta: text });
    this.#releaseWaiter?.();
    this.#pump();
  }

  /**
   * Stops generation and synthesis now. `interrupted` (barge-in) tells the client to drop queued
   * playback; a discarded speculation was never visible, so it sends nothing.
   */
  cancel(reason: 'interrupted' | 'discarded'): void {
    if (this.#cancelled || this.#ended) return;
    // What the model wrote before the cut reaches the client ahead of `interrupted`, so the
    // text it shows is the text `response_end` names; after this, nothing more is sent.
    this.#flushBurst();
    this.#cancelled = true;
    this.#abort.abort();
    if (this.#released && reason === 'interrupted') {
      this.#interrupted = true;
      const { sink } = this.#options;
      sink.send({ type: 'interrupted', turnId: this.turnId });
      if (this.#audioStarted) sink.send({ type: 'audio_end', turnId: this.turnId });
      sink.send({
        type: 'response_end',
        turnId: this.turnId,
        text: this.#sentText,
        interrupted: true,
      });
    }
    this.#releaseWaiter?.();
    this.#wakeSender?.();
  }

  async #run(): Promise<ReplyOutcome> {
    await Promise.all([this.#runLlm(), this.#runSender()]);
    if (!this.#cancelled) {
      // Held to the end and never released: the caller decides (release or discard) later.
      if (!this.#released) await new Promise<void>((resolve) => this.#onReleaseOrCancel(resolve));
      if (!this.#cancelled) this.#finish();
    }
    return this.#outcome();
  }

  #finish(): void {
    this.#flushBurst();
    this.#ended = true;
    const { sink } = this.#options;
    if (this.#audioStarted) sink.send({ type: 'audio_end', turnId: this.turnId });
    sink.send({
      type: 'response_end',
      turnId: this.turnId,
      text: this.#sentText,
      interrupted: false,
    });
  }

  async #runLlm(): Promise<void> {
    const { llm, model, system, history, splitter, now, maxTokens } = this.#options;
    const startedAt = now();
    try {
      const request = {
        model,
        system,
        messages: history,
        signal: this.#abort.signal,
        ...(maxTokens ? { maxTokens } : {}),
      };
      for await (const chunk of llm.stream(request)) {
        if (this.#cancelled) break;
        if (chunk.type === 'usage') {
          this.#inputTokens = chunk.inputTokens;
          if (chunk.outputTokens > 0) this.#outputTokens = chunk.outputTokens;
          continue;
        }
        if (this.#llmTtftMs === null) this.#llmTtftMs = now() - startedAt;
        this.#generated += chunk.text;
        this.#emit({ kind: 'text', delta: chunk.text });
        for (const sentence of splitter.push(chunk.text)) this.#addSentence(sentence);
      }
      const rest = splitter.flush();
      if (rest && !this.#cancelled) this.#addSentence(rest);
    } catch (error) {
      if (!this.#cancelled && !isAbortError(error)) {
        this.#error = error;
        const apology = this.#options.apology;
        // Silence after the user spoke is the worst answer: say plainly that something failed.
        if (apology && this.#generated.length === 0) {
          this.#generated = apology;
          this.#emit({ kind: 'text', delta: apology });
          this.#addSentence(apology);
        }
      }
    } finally {
      this.#llmDone = true;
      this.#wakeSender?.();
    }
  }

  #addSentence(text: string): void {
    if (text.trim().length === 0) return;
    // A sentence that arrives while the one before it still waits its turn joins it: one TTS
    // request instead of two, for the same audio (the first sentence always goes alone, so the
    // first audio is never later). A model that writes faster than speech is played, or a held
    // speculation, would otherwise cost a request per sentence.
    const last = this.#jobs.at(-1);
    if (last && this.#jobs.length > 1 && !last.started && last.append(text)) return;
    this.#jobs.push(new SynthesisJob(text));
    this.#pump();
    this.#wakeSender?.();
  }

  /** Starts synthesis for the sentence being streamed and the one after it (when released). */
  #pump(): void {
    if (this.#cancelled) return;
    const { tts, now } = this.#options;
    for (let index = this.#streamingIndex; index <= this.#streamingIndex + 1; index++) {
      const job = this.#jobs[index];
      // While held, only the first sentence is synthesised: audio nobody may hear costs money.
      if (job && !job.started && (index === 0 || this.#released))
        job.start(tts, this.#abort.signal, now);
    }
  }

  async #runSender(): Promise<void> {
    for (;;) {
      if (this.#cancelled) return;
      const job = this.#jobs[this.#streamingIndex];
      if (!job) {
        if (this.#llmDone) return;
        await new Promise<void>((resolve) => {
          this.#wakeSender = resolve;
        });
        continue;
      }
      if (!job.started) {
        await new Promise<void>((resolve) => this.#onReleaseOrCancel(resolve));
        this.#pump();
        continue;
      }
      try {
        for await (const chunk of job.drain()) {
          if (this.#cancelled) return;
          this.#emit({ kind: 'audio', chunk });
        }
      } catch (error) {
        if (this.#cancelled || isAbortError(error)) return;
        this.#error ??= error;
      }
      this.#streamingIndex++;
      this.#pump();
    }
  }

  #onReleaseOrCancel(resolve: () => void): void {
    if (this.#released || this.#cancelled) {
      resolve();
      return;
    }
    const previous = this.#releaseWaiter;
    this.#releaseWaiter = () => {
      previous?.();
      resolve();
    };
  }

  #emit(event: HeldEvent): void {
    if (this.#cancelled) return;
    if (this.#released) this.#deliver(event);
    else this.#held.push(event);
  }

  #deliver(event: HeldEvent): void {
    const { sink, now } = this.#options;
    if (event.kind === 'text') {
      this.#deliverText(event.delta);
      return;
    }
    // Text before the audio that followed it, as it was generated.
    this.#flushBurst(true);
    if (!this.#audioStarted) {
      this.#audioStarted = true;
      sink.send({
        type: 'audio_start',
        turnId: this.turnId,
        encoding: 'linear16',
        sampleRate: this.#options.tts.capabilities.sampleRate,
      });
    }
    if (this.#firstAudioAt === null) this.#firstAudioAt = now();
    sink.sendAudio(event.chunk);
  }

  /**
   * The first piece of text in a turn of the event loop leaves at once (first text is never
   * later); pieces after it in the same turn wait for the next one and leave as one message.
   */
  #deliverText(delta: string): void {
    if (this.#burstText !== undefined) {
      this.#burstText += delta;
      return;
    }
    this.#sendText(delta);
    this.#burstText = '';
    setImmediate(() => this.#flushBurst());
  }

  /** Sends the burst's waiting text; `keepOpen` (before audio) lets the burst go on collecting. */
  #flushBurst(keepOpen = false): void {
    const text = this.#burstText;
    this.#burstText = keepOpen && text !== undefined ? '' : undefined;
    if (text && !this.#cancelled) this.#sendText(text);
  }

  #sendText(text: string): void {
    this.#sentText += text;
    this.#options.sink.send({ type: 'response_text', turnId: this.turnId, delta: text });
  }

  #outcome(): ReplyOutcome {
    const { history, system } = this.#options;
    const prompt = system + history.map((message) => message.content).join(' ');
    return {
      turnId: this.turnId,
      userText: this.userText,
      sentText: this.#sentText,
      generatedText: this.#generated,
      released: this.#released,
      interrupted: this.#interrupted,
      speculative: this.speculative,
      // A run cut before the provider reported usage still cost tokens: estimate them.
      inputTokens: this.#inputTokens ?? estimateTokens(prompt),
      outputTokens: Math.max(
        this.#outputTokens ?? 0,
        this.#outputTokens === undefined ? estimateTokens(this.#generated) : 0,
      ),
      ttsCharacters: this.#jobs.reduce((sum, job) => sum + (job.started ? job.text.length : 0), 0),
      llmTtftMs: this.#llmTtftMs,
      ttsTtfbMs: this.#jobs[0]?.firstByteMs ?? null,
      firstAudioAt: this.#firstAudioAt,
      error: this.#error,
    };
  }
}
