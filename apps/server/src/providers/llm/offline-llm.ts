/**
 * @module providers/llm/offline-llm
 * The responder Atlas uses when no LLM is configured (no ANTHROPIC_API_KEY, no OPENAI_API_KEY).
 * It never pretends to be a model: it says plainly that it is the offline responder, repeats what
 * it heard (so voice and chat can still be tried end to end), and says how to connect a real
 * model. Streamed word by word with usage like any provider, so nothing downstream special-cases it.
 *
 * @example
 * const llm = new OfflineLlm();
 * for await (const chunk of llm.stream({ model, messages, signal })) {}
 */
import { delay } from '../testing-clock.js';
import {
  estimateTokens,
  type LlmCapabilities,
  type LlmChunk,
  type LlmProvider,
  type LlmRequest,
} from './llm.js';

export interface OfflineLlmOptions {
  /** Pause between words, so a reply streams like a model's (default 0: all at once). */
  wordDelayMs?: number;
}

/** Longest echo of the user's words; a pasted essay should not be read back in full. */
const MAX_ECHO_CHARACTERS = 200;

/** The offline reply to `heard` (the user's last message). */
export function offlineReply(heard: string): string {
  const clean = heard.replace(/\s+/g, ' ').trim();
  const echo =
    clean.length > MAX_ECHO_CHARACTERS
      ? `${clean.slice(0, MAX_ECHO_CHARACTERS).trimEnd()}…`
      : clean;
  const heardPart = echo ? `I heard: "${echo}". ` : "I didn't catch any words. ";
  return (
    "I'm Atlas's offline responder: no language model is configured, so I can't really answer yet. " +
    heardPart +
    'To connect a real model, set ANTHROPIC_API_KEY for Claude, or OPENAI_API_KEY with ' +
    'OPENAI_BASE_URL for an OpenAI-compatible server such as Ollama, then restart Atlas.'
  );
}

export class OfflineLlm implements LlmProvider {
  readonly name = 'offline';
  readonly capabilities: LlmCapabilities = { streaming: true, usage: true };
  readonly #wordDelayMs: number;

  constructor(options: OfflineLlmOptions = {}) {
    this.#wordDelayMs = options.wordDelayMs ?? 0;
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
    const lastUser = request.messages.findLast((m) => m.role === 'user');
    const reply = offlineReply(lastUser?.content ?? '');
    const inputTokens = estimateTokens(
      [request.system ?? '', ...request.messages.map((m) => m.content)].join(' '),
    );
    yield { type: 'usage', inputTokens, outputTokens: 0 };
    let sent = '';
    for (const [index, word] of (reply.match(/\S+\s*/g) ?? []).entries()) {
      if (index > 0 && this.#wordDelayMs > 0) {
        try {
          await delay(this.#wordDelayMs, request.signal);
        } catch {
          break; // aborted: stop quietly, report what was sent
        }
      }
      if (request.signal.aborted) break;
      sent += word;
      yield { type: 'delta', text: word };
    }
    yield { type: 'usage', inputTokens, outputTokens: estimateTokens(sent) };
  }
}
