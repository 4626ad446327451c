import { describe, expect, it } from 'vitest';
import { FakeLlmProvider } from '../providers/llm/testing/fake-llm.js';
import { FakeTtsProvider } from '../providers/tts/testing/fake-tts.js';
import { Reply, type ReplyOutcome } from './reply.js';
import { RecordingSink, simpleSplitter } from './testing/recording-sink.js';
import {
  MAX_SPECULATIONS_PER_TURN,
  TurnManager,
  type TurnMetrics,
  type UserTurn,
} from './turn-manager.js';

const STABLE_MS = 30;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(
  options: {
    llm?: FakeLlmProvider;
    tts?: FakeTtsProvider;
    speculation?: boolean;
    stableMs?: number;
    pauseMs?: number;
  } = {},
) {
  const sink = new RecordingSink();
  const llm =
    options.llm ??
    new FakeLlmProvider({ reply: (req) => `Answer to ${req.messages.at(-1)?.content}.` });
  const tts = options.tts ?? new FakeTtsProvider({ msPerCharacter: 2 });
  const userTurns: UserTurn[] = [];
  const done: Array<{ outcome: ReplyOutcome; metrics: TurnMetrics }> = [];
  const discarded: ReplyOutcome[] = [];
  let turnCounter = 0;
  const manager = new TurnManager({
    send: (m) => sink.send(m),
    sessionId: 's1',
    stablePartialMs: options.stableMs ?? STABLE_MS,
    ...(options.speculation === undefined ? {} : { speculation: options.speculation }),
    ...(options.pauseMs === undefined ? {} : { speculationPauseMs: options.pauseMs }),
    newTurnId: () => `turn-${++turnCounter}`,
    now: () => performance.now(),
    onUserTurn: (turn) => userTurns.push(turn),
    onReplyDone: (outcome, metrics) => done.push({ outcome, metrics }),
    onReplyDiscarded: (outcome) => discarded.push(outcome),
    createReply: ({ turnId, userText, speculative }) =>
      new Reply({
        turnId,
        userText,
        speculative,
        model: 'm',
        system: 's',
        history: [{ role: 'user', content: userText }],
        llm,
        tts,
        sink,
        splitter: simpleSplitter(),
        now: () => performance.now(),
      }),
  });
  return { manager, sink, llm, tts, userTurns, done, discarded };
}

describe('TurnManager', () => {
  it('forwards partials and ends a turn with one reply to the final text', async () => {
    const { manager, sink, userTurns, done, llm } = setup();
    manager.handleSttEvent({ type: 'speech_started' });
    manager.handleSttEvent({ type: 'partial', text: 'hello', confidence: 0.8 });
    manager.handleSttEvent({ type: 'final', text: 'hello there', confidence: 0.9 });
    manager.handleSttEvent({ type: 'utterance_end' });
    await manager.settled();
    expect(userTurns).toEqual([{ turnId: 'turn-1', text: 'hello there', confidence: 0.9 }]);
    expect(llm.calls).toHaveLength(1);
    expect(sink.types()).toEqual([
      'speech_started',
      'partial_transcript',
      'partial_transcript',
      'final_transcript',
      'response_start',
      // The fake LLM writes the whole reply at once: its first word, then the rest as one.
      'response_text',
      'response_text',
      'audio_start',
      'binary',
      'audio_end',
      'response_end',
      'turn_metrics',
    ]);
    expect(done[0]?.metrics.speculative).toBe(false);
  });

  it('a partial stable then extended by more words gives one reply, to the full text', async () => {
    const { manager, sink, llm, done, discarded } = setup();
    manager.handleSttEvent({ type: 'partial', text: 'what is the weather', confidence: 0.9 });
    await wait(STABLE_MS * 3);
    expect(llm.calls).toHaveLength(1); // the speculation started...
    expect(sink.types()).not.toContain('response_start'); // ...but nothing was sent
    manager.handleSttEvent({
      type: 'final',
      text: 'what is the weather in Paris',
      confidence: 0.9,
    });
    manager.handleSttEvent({ type: 'utterance_end' });
    await manager.settled();
    expect(llm.calls).toHaveLength(2);
    expect(discarded).toHaveLength(1);
    expect(discarded[0]?.userText).toBe('what is the weather');
    expect(sink.types().filter((t) => t === 'response_start')).toHaveLength(1);
    const text = sink.received
      .filter((m) => m.type === 'response_text')
      .map((m) => ('delta' in m ? m.delta : ''))
      .join('');
    expect(text).toBe('Answer to what is the weather in Paris.');
    expect(done).toHaveLength(1);
    expect(done[0]?.metrics.speculative).toBe(false);
  });

  it('a partial stable then confirmed releases the speculative reply at once', async () => {
    const { manager, sink, llm, done } = setup();
    manager.handleSttEvent({ type: 'partial', text: 'what is the weather', confidence: 0.9 });
    await wait(STABLE_MS * 4);
    manager.handleSttEvent({ type: 'final', text: 'What is the weather?', confidence: 0.9 });
    manager.handleSttEvent({ type: 'utterance_end' });
    // The first audio was synthesised while the user was still talking: it goes out at once.
    const firstAudioIndex = sink.received.findIndex((m) => m.type === 'binary');
    expect(firstAudioIndex).toBeGreaterThan(0);
    await manager.settled();
    expect(llm.calls).toHaveLength(1);
    expect(done[0]?.metrics.speculative).toBe(true);
    expect(sink.received.find((m) => m.type === 'turn_metrics')).toMatchObject({
      speculative: true,
    });
  });

  it('with speculation off, a stable partial starts nothing until the final transcript', async () => {
    const { manager, sink, llm, done, discarded } = setup({ speculation: false });
    manager.handleSttEvent({ type: 'partial', text: 'what is the weather', confidence: 0.9 });
    await wait(STABLE_MS * 4);
    expect(llm.calls).toHaveLength(0);
    manager.handleSttEvent({ type: 'final', text: 'what is the weather', confidence: 0.9 });
    manager.handleSttEvent({ type: 'utterance_end' });
    await manager.settled();
    expect(llm.calls).toHaveLength(1);
    expect(discarded).toHaveLength(0);
    expect(sink.types().filter((t) => t === 'response_start')).toHaveLength(1);
    expect(done[0]?.metrics.speculative).toBe(false);
  });

  describe('the pause hint', () => {
    // A stable window far longer than the tests: only the pause can start a speculation.
    const LONG_STABLE_MS = 60_000;

    it('a partial arriving during a pause starts the speculation at once', async () => {
      const { manager, llm, done } = setup({ stableMs: LONG_STABLE_MS, pauseMs: 150 });
      manager.handleAudioLevel(true, 100);
      manager.handleAudioLevel(false, 100);
      // 100 ms of silence in the frame + 110 ms: past the 150 ms pause, and the next frame,
      // which could have been speech, is more than half a frame late.
      await wait(110);
      manager.handleSttEvent({ type: 'partial', text: 'what is the weather', confidence: 0.9 });
      expect(llm.calls).toHaveLength(1);
      manager.handleSttEvent({ type: 'final', text: 'What is the weather?', confidence: 0.9 });
      manager.handleSttEvent({ type: 'utterance_end' });
      await manager.settled();
      expect(llm.calls).toHaveLength(1);
      expect(done[0]?.metrics.speculative).toBe(true);
    });

    it('a silent frame inside a phrase starts nothing when the next frame is a little late', async () => {
      const { manager, llm } = setup({ stableMs: LONG_STABLE_MS, pauseMs: 200 });
      manager.handleSttEvent({ type: 'partial', text: 'how long does it', confidence: 0.9 });
      manager.handleAudioLevel(true, 100);
      manager.handleAudioLevel(false, 100);
      // The next frame is due in 100 ms; it comes 20 ms late, and it is speech.
      await wait(120);
      manager.handleAudioLevel(true, 100);
      await wait(150);
      expect(llm.calls).toHaveLength(0);
      manager.dispose();
    });

    it('the silent frame that completes the pause starts the speculation on arrival', () => {
      const { manager, llm } = setup({ stableMs: LONG_STABLE_MS, pauseMs: 200 });
      manager.handleSttEvent({ type: 'partial', text: 'how long does it take', confidence: 0.9 });
      manager.handleAudioLevel(true, 100);
      manager.handleAudioLevel(false, 100);
      expect(llm.calls).toHaveLength(0);
      manager.handleAudioLevel(false, 100);
      expect(llm.calls).toHaveLength(1);
      // More silence speculates no more.
      manager.handleAudioLevel(false, 100);
      expect(llm.calls).toHaveLength(1);
      manager.dispose();
    });

    it('a pause that lasts long enough speculates on the hypothesis heard so far', async () => {
      const { manager, llm } = setup({ stableMs: LONG_STABLE_MS, pauseMs: 150 });
      manager.handleAudioLevel(true, 100);
      manager.handleSttEvent({ type: 'partial', text: 'what is the', confidence: 0.9 });
      manager.handleAudioLevel(false, 100);
      expect(llm.calls).toHaveLength(0);
      await wait(120);
      expect(llm.calls).toHaveLength(1);
      expect(llm.calls[0]?.request.messages.at(-1)?.content).toBe('what is the');
      manager.dispose();
    });

    it('a partial that stays stable while the user is still speaking starts nothing', async () => {
      const { manager, llm } = setup({ stableMs: 40, pauseMs: 150 });
      manager.handleAudioLevel(true, 100);
      manager.handleSttEvent({ type: 'partial', text: 'what is the', confidence: 0.9 });
      await wait(80); // twice the stable window, and the audio is still speech
      expect(llm.calls).toHaveLength(0);
      // Speech that stops arriving altogether stops counting after two frames.
      await wait(150);
      expect(llm.calls).toHaveLength(1);
      manager.dispose();
    });

    it('a stable partial over a silence shorter than the pause waits for the pause', async () => {
      const { manager, llm } = setup({ stableMs: 40, pauseMs: 200 });
      manager.handleAudioLevel(true, 100);
      manager.handleSttEvent({ type: 'partial', text: 'tell me', confidence: 0.9 });
      manager.handleAudioLevel(false, 100);
      await wait(80); // stable twice over, but only 180 ms of a 200 ms pause
      expect(llm.calls).toHaveLength(0);
      manager.handleAudioLevel(false, 100);
      expect(llm.calls).toHaveLength(1);
      expect(llm.calls[0]?.request.messages.at(-1)?.content).toBe('tell me');
      manager.dispose();
    });

    it('silence with no speech before it is no pause: a quiet speaker gets the stable rule', async () => {
      const { manager, llm } = setup({ stableMs: 60, pauseMs: 150 });
      // Every frame under the speech level, though the recogniser hears words.
      manager.handleAudioLevel(false, 100);
      manager.handleAudioLevel(false, 100);
      await wait(120);
      for (const text of ['what', 'what is', 'what is the', 'what is the weather']) {
        manager.handleSttEvent({ type: 'partial', text, confidence: 0.9 });
        manager.handleAudioLevel(false, 100);
        await wait(20);
      }
      expect(llm.calls).toHaveLength(0);
      await wait(100); // stable past the 60 ms window
      expect(llm.calls.map((call) => call.request.messages.at(-1)?.content)).toEqual([
        'what is the weather',
      ]);
      manager.dispose();
    });

    it("a turn ends the pause: the next turn's silence counts only after its speech", () => {
      const { manager, llm } = setup({ stableMs: LONG_STABLE_MS, pauseMs: 150 });
      manager.handleAudioLevel(true, 100);
      manager.handleSttEvent({ type: 'partial', text: 'hello', confidence: 0.9 });
      manager.handleAudioLevel(false, 100);
      manager.handleAudioLevel(false, 100);
      expect(llm.calls).toHaveLength(1);
      manager.handleSttEvent({ type: 'final', text: 'hello', confidence: 0.9 });
      manager.handleSttEvent({ type: 'utterance_end' });
      manager.handleAudioLevel(false, 100);
      manager.handleAudioLevel(false, 100);
      manager.handleSttEvent({ type: 'partial', text: 'and then', confidence: 0.9 });
      expect(llm.calls).toHaveLength(1);
      manager.dispose();
    });

    it('a turn starts at most MAX_SPECULATIONS_PER_TURN speculations, then waits for its final', async () => {
      const { manager, llm, done } = setup({ stableMs: LONG_STABLE_MS, pauseMs: 150 });
      // One loud syllable, then speech too quiet for the level check: every partial is "in a pause".
      manager.handleAudioLevel(true, 100);
      const words = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      for (const [index] of words.entries()) {
        manager.handleSttEvent({
          type: 'partial',
          text: words.slice(0, index + 1).join(' '),
          confidence: 0.9,
        });
        manager.handleAudioLevel(false, 100);
        manager.handleAudioLevel(false, 100);
      }
      expect(llm.calls).toHaveLength(MAX_SPECULATIONS_PER_TURN);
      manager.handleSttEvent({ type: 'final', text: 'a b c d e f g', confidence: 0.9 });
      manager.handleSttEvent({ type: 'utterance_end' });
      await manager.settled();
      expect(llm.calls).toHaveLength(MAX_SPECULATIONS_PER_TURN + 1);
      expect(done.map(({ outcome }) => [outcome.userText, outcome.speculative])).toEqual([
        ['a b c d e f g', false],
      ]);
    });

    it('speech ends the pause; a short pause or speculation switched off starts nothing', async () => {
      const { manager, llm } = setup({ stableMs: LONG_STABLE_MS, pauseMs: 150 });
      manager.handleSttEvent({ type: 'partial', text: 'what is the', confidence: 0.9 });
      manager.handleAudioLevel(false, 100);
      manager.handleAudioLevel(true, 100);
      await wait(120);
      manager.handleSttEvent({ type: 'partial', text: 'what is the weather', confidence: 0.9 });
      expect(llm.calls).toHaveLength(0);
      manager.dispose();

      const off = setup({ stableMs: LONG_STABLE_MS, pauseMs: 150, speculation: false });
      off.manager.handleAudioLevel(false, 100);
      await wait(120);
      off.manager.handleSttEvent({ type: 'partial', text: 'hello there', confidence: 0.9 });
      expect(off.llm.calls).toHaveLength(0);
      off.manager.dispose();
    });
  });

  it('user speech over the reply cuts it, and the new turn gets its own reply', async () => {
    const tts = new FakeTtsProvider({ msPerCharacter: 50, chunkMs: 20, realTimeFactor: 1 });
    const { manager, sink, done } = setup({ tts });
    manager.handleTextTurn('tell me a story');
    while (!sink.received.some((m) => m.type === 'binary')) await wait(5);
    expect(manager.speaking).toBe(true);
    manager.handleSttEvent({ type: 'partial', text: 'stop', confidence: 0.9 });
    expect(manager.speaking).toBe(false);
    expect(sink.received.at(-1)).toMatchObject({ type: 'response_end', interrupted: true });
    manager.handleSttEvent({ type: 'final', text: 'stop', confidence: 0.9 });
    manager.handleSttEvent({ type: 'utterance_end' });
    await manager.settled();
    expect(done.map((d) => d.outcome.interrupted)).toEqual([true, false]);
  });

  it('an interrupt message cuts the active reply; an empty turn gets no reply', async () => {
    const tts = new FakeTtsProvider({ msPerCharacter: 50, chunkMs: 20, realTimeFactor: 1 });
    const { manager, sink, llm } = setup({ tts });
    manager.handleTextTurn('hello');
    while (!sink.received.some((m) => m.type === 'binary')) await wait(5);
    manager.interrupt('some-other-turn');
    expect(manager.speaking).toBe(true);
    manager.interrupt();
    expect(sink.received.some((m) => m.type === 'interrupted')).toBe(true);
    manager.handleSttEvent({ type: 'speech_started' });
    manager.handleSttEvent({ type: 'utterance_end' });
    await manager.settled();
    expect(llm.calls).toHaveLength(1);
  });
});
