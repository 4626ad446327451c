import { describe, expect, it } from 'vitest';
import { FakeLlmProvider } from '../providers/llm/testing/fake-llm.js';
import { FakeTtsProvider } from '../providers/tts/testing/fake-tts.js';
import { Reply, type ReplyOptions } from './reply.js';
import { RecordingSink, simpleSplitter } from './testing/recording-sink.js';

const THREE_SENTENCES = 'It is sunny today. Expect a high of twenty. Enjoy the walk!';

function makeReply(
  overrides: Partial<ReplyOptions> & { llm?: FakeLlmProvider; tts?: FakeTtsProvider } = {},
) {
  const sink = new RecordingSink();
  const llm = overrides.llm ?? new FakeLlmProvider({ reply: () => THREE_SENTENCES });
  const tts = overrides.tts ?? new FakeTtsProvider({ msPerCharacter: 5, chunkMs: 20 });
  const reply = new Reply({
    turnId: 't1',
    userText: 'weather?',
    speculative: false,
    model: 'test-model',
    system: 'be brief',
    history: [{ role: 'user', content: 'weather?' }],
    llm,
    tts,
    sink,
    splitter: simpleSplitter(),
    now: () => performance.now(),
    ...overrides,
  });
  return { reply, sink, llm, tts };
}

function textDeltas(sink: RecordingSink): string[] {
  return sink.received.flatMap((m) => (m.type === 'response_text' ? [m.delta] : []));
}

describe('Reply', () => {
  it('sends text and audio in protocol order once released', async () => {
    const { reply, sink, tts } = makeReply();
    reply.release();
    const outcome = await reply.done;
    const types = sink.types();
    // Protocol rule 3: response_start → (response_text, audio_start, binary…, audio_end) → response_end.
    expect(types[0]).toBe('response_start');
    expect(types.slice(-2)).toEqual(['audio_end', 'response_end']);
    // The fake LLM writes all twelve words at once: the first leaves alone, the rest in a few
    // messages (split only where audio came between them).
    expect(textDeltas(sink)[0]).toBe('It ');
    expect(textDeltas(sink).length).toBeLessThan(12);
    expect(types.filter((t) => t === 'audio_start')).toHaveLength(1);
    expect(types.indexOf('audio_start')).toBeLessThan(types.indexOf('binary'));
    expect(outcome.sentText).toBe(THREE_SENTENCES);
    expect(tts.calls.map((c) => c.text)).toEqual([
      'It is sunny today.',
      'Expect a high of twenty.',
      'Enjoy the walk!',
    ]);
    expect(sink.audioBytes()).toBe(tts.calls.reduce((n, c) => n + c.bytes, 0));
    expect(outcome.ttsCharacters).toBe(
      'It is sunny today.Expect a high of twenty.Enjoy the walk!'.length,
    );
    expect(sink.received.find((m) => m.type === 'audio_start')).toMatchObject({
      sampleRate: 24000,
      encoding: 'linear16',
    });
    expect(sink.received.at(-1)).toEqual({
      type: 'response_end',
      turnId: 't1',
      text: THREE_SENTENCES,
      interrupted: false,
    });
  });

  it('sends a burst of text as its first piece at once and the rest as one message', async () => {
    const tts = new FakeTtsProvider({ timeToFirstByteMs: 20, msPerCharacter: 5, chunkMs: 20 });
    const { reply, sink } = makeReply({ tts });
    reply.release();
    await reply.done;
    expect(textDeltas(sink)).toEqual([
      'It ',
      'is sunny today. Expect a high of twenty. Enjoy the walk!',
    ]);
  });

  it('sends text as it arrives when the model writes at its own pace', async () => {
    const llm = new FakeLlmProvider({ reply: () => THREE_SENTENCES, wordsPerSecond: 500 });
    const { reply, sink } = makeReply({ llm });
    reply.release();
    await reply.done;
    expect(textDeltas(sink)).toEqual(THREE_SENTENCES.match(/\S+\s*/g));
  });

  it('while held sends nothing and synthesises only the first sentence', async () => {
    const { reply, sink, tts, llm } = makeReply({ speculative: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(llm.calls[0]?.completed).toBe(true);
    expect(sink.received).toEqual([]);
    expect(tts.calls.map((c) => c.text)).toEqual(['It is sunny today.']);
    reply.release();
    // What was generated while held leaves as one text message per run of words (split only
    // where held audio came between them), not one per word, in the order it was generated.
    const held = sink.received.filter((m) => m.type === 'response_text');
    expect(sink.types().slice(0, 2)).toEqual(['response_start', 'response_text']);
    expect(held.length).toBeLessThan(THREE_SENTENCES.split(' ').length);
    expect(held.map((m) => (m.type === 'response_text' ? m.delta : '')).join('')).toBe(
      THREE_SENTENCES,
    );
    const outcome = await reply.done;
    expect(outcome.sentText).toBe(THREE_SENTENCES);
    // The sentences that waited behind the first one go as one request.
    expect(tts.calls.map((c) => c.text)).toEqual([
      'It is sunny today.',
      'Expect a high of twenty. Enjoy the walk!',
    ]);
    expect(sink.audioBytes()).toBe(tts.calls.reduce((n, c) => n + c.bytes, 0));
    expect(sink.types()[0]).toBe('response_start');
    expect(outcome.speculative).toBe(true);
  });

  it('discarding a held reply sends nothing but still counts its tokens and characters', async () => {
    const { reply, sink } = makeReply({ speculative: true });
    await new Promise((r) => setTimeout(r, 30));
    reply.cancel('discarded');
    const outcome = await reply.done;
    expect(sink.received).toEqual([]);
    expect(outcome.released).toBe(false);
    expect(outcome.outputTokens).toBeGreaterThan(0);
    expect(outcome.inputTokens).toBeGreaterThan(0);
    expect(outcome.ttsCharacters).toBe('It is sunny today.'.length);
  });

  it('stops audio the moment it is interrupted and keeps only the text that was sent', async () => {
    const tts = new FakeTtsProvider({ msPerCharacter: 20, chunkMs: 20, realTimeFactor: 1 });
    const llm = new FakeLlmProvider({ reply: () => THREE_SENTENCES, wordsPerSecond: 200 });
    const { reply, sink } = makeReply({ tts, llm });
    reply.release();
    while (sink.audioBytes() === 0) await new Promise((r) => setTimeout(r, 5));
    reply.cancel('interrupted');
    const countAtCancel = sink.received.length;
    const outcome = await reply.done;
    await new Promise((r) => setTimeout(r, 50));
    const afterCancel = sink.received.slice(countAtCancel);
    expect(afterCancel).toEqual([]);
    const tail = sink.received.slice(-3).map((m) => m.type);
    expect(tail).toEqual(['interrupted', 'audio_end', 'response_end']);
    expect(sink.received.at(-1)).toMatchObject({ type: 'response_end', interrupted: true });
    expect(outcome.interrupted).toBe(true);
    expect(THREE_SENTENCES.startsWith(outcome.sentText)).toBe(true);
    expect(outcome.sentText.length).toBeLessThan(THREE_SENTENCES.length);
  });

  it('an interruption sends the burst written before it, then nothing more', async () => {
    const tts = new FakeTtsProvider({ timeToFirstByteMs: 40 });
    const { reply, sink } = makeReply({ tts });
    reply.release();
    while (textDeltas(sink).length === 0) await Promise.resolve();
    // The rest of the reply arrives within the same turn of the event loop and waits.
    for (let i = 0; i < 50; i++) await Promise.resolve();
    expect(textDeltas(sink)).toEqual(['It ']);
    reply.cancel('interrupted');
    const outcome = await reply.done;
    await new Promise((r) => setTimeout(r, 20));
    expect(sink.types()).toEqual([
      'response_start',
      'response_text',
      'response_text',
      'interrupted',
      'response_end',
    ]);
    expect(textDeltas(sink).join('')).toBe(outcome.sentText);
    expect(outcome.sentText.length).toBeGreaterThan('It '.length);
    expect(sink.received.at(-1)).toMatchObject({ type: 'response_end', text: outcome.sentText });
  });

  it('says and shows an apology when the LLM fails before its first word', async () => {
    const llm = new FakeLlmProvider();
    llm.failNext();
    const apology = 'Sorry, I cannot answer right now.';
    const { reply, sink, tts } = makeReply({ llm, apology });
    reply.release();
    const outcome = await reply.done;
    expect(outcome.error).toMatchObject({ retryable: true });
    expect(outcome.sentText).toBe(apology);
    expect(tts.calls.map((c) => c.text)).toEqual([apology]);
    expect(sink.types()).toEqual([
      'response_start',
      'response_text',
      'audio_start',
      'binary',
      'audio_end',
      'response_end',
    ]);
  });

  it('reports an LLM failure and still ends the response', async () => {
    const llm = new FakeLlmProvider();
    llm.failNext();
    const { reply, sink } = makeReply({ llm });
    reply.release();
    const outcome = await reply.done;
    expect(outcome.error).toMatchObject({ retryable: true });
    expect(sink.types()).toEqual(['response_start', 'response_end']);
  });
});
