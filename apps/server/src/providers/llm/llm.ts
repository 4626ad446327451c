/**
 * @module providers/llm/llm
 * The streaming LLM contract: messages and an abort signal in, text deltas out, then usage.
 * Aborting ends the iteration quietly; the tokens already generated still count (see
 * `estimateTokens` for runs cut before the provider reported usage).
 */
export interface LlmMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export interface LlmRequest {
  readonly model: string;
  readonly system?: string;
  readonly messages: readonly LlmMessage[];
  readonly maxTokens?: number;
  readonly signal: AbortSignal;
}

export type LlmChunk =
  | { readonly type: 'delta'; readonly text: string }
  /** Cumulative usage as far as the provider has reported it (input first, output at the end). */
  | { readonly type: 'usage'; readonly inputTokens: number; readonly outputTokens: number };

export interface LlmCapabilities {
  readonly streaming: true;
  /** Reports token usage (otherwise callers estimate). */
  readonly usage: boolean;
}

export interface LlmProvider {
  readonly name: string;
  readonly capabilities: LlmCapabilities;
  stream(request: LlmRequest): AsyncIterable<LlmChunk>;
}

/** A rough token count (~4 characters per token) for text whose usage was never reported. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}
