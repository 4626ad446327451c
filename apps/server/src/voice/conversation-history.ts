/**
 * @module voice/conversation-history
 * The LLM's context: the conversation's recent messages, shaped the way chat APIs require
 * (alternating roles, starting with the user, no empty turns).
 */
import type { LlmMessage } from '../providers/llm/llm.js';

/** Merges consecutive same-role messages, drops empty ones and a leading assistant message. */
export function toLlmHistory(messages: readonly LlmMessage[], limit: number): LlmMessage[] {
  const out: LlmMessage[] = [];
  for (const message of messages.slice(-limit)) {
    const content = message.content.trim();
    if (content.length === 0) continue;
    const last = out.at(-1);
    if (last && last.role === message.role)
      out[out.length - 1] = { role: last.role, content: `${last.content}\n${content}` };
    else out.push({ role: message.role, content });
  }
  while (out[0]?.role === 'assistant') out.shift();
  return out;
}

/** The recent history kept in memory during a session (the database copy lags behind). */
export class ConversationHistory {
  readonly #messages: LlmMessage[];
  readonly #limit: number;

  constructor(initial: readonly LlmMessage[], limit: number) {
    this.#messages = [...initial];
    this.#limit = limit;
  }

  add(message: LlmMessage): void {
    this.#messages.push(message);
    // Keep a little more than the limit so merging still sees whole turns.
    if (this.#messages.length > this.#limit * 2)
      this.#messages.splice(0, this.#messages.length - this.#limit);
  }

  /**
   * The context for a reply to `userText`: the history ending with that user message. A
   * committed turn is already in the history; a speculative one (a stable partial) is not yet.
   */
  forReply(userText: string): LlmMessage[] {
    const last = this.#messages.at(-1);
    const committed = last?.role === 'user' && last.content === userText;
    return toLlmHistory(
      committed ? this.#messages : [...this.#messages, { role: 'user', content: userText }],
      this.#limit,
    );
  }

  /** The last `count` messages, each cut to `maxChars`: small enough for a resume ticket. */
  recent(count: number, maxChars: number): LlmMessage[] {
    return this.#messages
      .slice(-count)
      .map((m) => ({ role: m.role, content: m.content.slice(0, maxChars) }));
  }
}
