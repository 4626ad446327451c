import { describe, expect, it } from 'vitest';
import { estimateTokens, type LlmChunk, type LlmRequest } from './llm.js';
import { OfflineLlm } from './offline-llm.js';

const request = (content: string, signal = new AbortController().signal): LlmRequest => ({
  model: 'claude-haiku-4-5',
  system: 'You are Atlas.',
  messages: [
    { role: 'user', content: 'earlier words' },
    { role: 'assistant', content: 'an earlier reply' },
    { role: 'user', content },
  ],
  signal,
});

async function collect(iterable: AsyncIterable<LlmChunk>) {
  const chunks: LlmChunk[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
}

const textOf = (chunks: LlmChunk[]) =>
  chunks.map((c) => (c.type === 'delta' ? c.text : '')).join('');

describe('OfflineLlm', () => {
  it('says it is the offline responder, echoes what it heard, and says how to configure a model', async () => {
    const chunks = await collect(new OfflineLlm().stream(request('What  is the\nweather?')));
    const text = textOf(chunks);
    expect(text).toMatch(/offline responder/);
    expect(text).toContain('I heard: "What is the weather?"');
    expect(text).not.toContain('earlier words');
    for (const hint of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'Ollama'])
      expect(text).toContain(hint);
    expect(chunks.filter((c) => c.type === 'delta').length).toBeGreaterThan(10);
    const input = estimateTokens(
      'You are Atlas. earlier words an earlier reply What  is the\nweather?',
    );
    expect(chunks[0]).toEqual({ type: 'usage', inputTokens: input, outputTokens: 0 });
    expect(chunks.at(-1)).toEqual({
      type: 'usage',
      inputTokens: input,
      outputTokens: estimateTokens(text),
    });
  });

  it('keeps a long message short and says so when it heard nothing', async () => {
    const long = textOf(await collect(new OfflineLlm().stream(request('word '.repeat(200)))));
    expect(long.length).toBeLessThan(600);
    expect(long).toContain('…"');
    expect(textOf(await collect(new OfflineLlm().stream(request('  '))))).toContain("didn't catch");
  });

  it('stops quietly on abort and counts only what it sent', async () => {
    const controller = new AbortController();
    const chunks: LlmChunk[] = [];
    for await (const chunk of new OfflineLlm({ wordDelayMs: 5 }).stream(
      request('hi', controller.signal),
    )) {
      chunks.push(chunk);
      if (chunks.filter((c) => c.type === 'delta').length === 3) controller.abort();
    }
    const sent = textOf(chunks);
    expect(sent.split(' ').filter(Boolean)).toHaveLength(3);
    expect(chunks.at(-1)).toMatchObject({ type: 'usage', outputTokens: estimateTokens(sent) });
  });
});
