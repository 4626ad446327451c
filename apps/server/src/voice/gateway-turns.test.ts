/**
 * Voice turns over a real WebSocket with the in-process providers: partials, speculation kept
 * or discarded, one reply per turn, barge-in (by message and by speech), typed turns, resume.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { pgliteTarget } from '../db/testing/test-databases.js';
import { type HarnessOptions, VoiceHarness } from './testing/voice-harness.js';
import { LOUD_FRAME, QUIET_FRAME, type VoiceTestClient } from './testing/voice-test-client.js';

let db: Database;
const harnesses: VoiceHarness[] = [];
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  db = await pgliteTarget.open();
});
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});
afterAll(async () => {
  await db.close();
});

async function started(options: HarnessOptions = {}): Promise<{
  h: VoiceHarness;
  client: VoiceTestClient;
  userId: string;
  sessionId: string;
  conversationId: string;
}> {
  const h = await VoiceHarness.start({
    db,
    llm: {
      reply: (request) => `You asked: ${request.messages.at(-1)?.content}. Here is my answer.`,
    },
    ...options,
  });
  harnesses.push(h);
  const user = await h.user();
  const client = await h.client();
  const session = await client.start(user.token);
  return {
    h,
    client,
    userId: user.id,
    sessionId: session.sessionId,
    conversationId: session.conversationId,
  };
}

function replyText(client: VoiceTestClient, turnId?: string): string {
  return client
    .of('response_text')
    .filter((m) => turnId === undefined || m.turnId === turnId)
    .map((m) => m.delta)
    .join('');
}

describe('a spoken turn', () => {
  it('forwards partials, sends the final transcript and exactly one reply in protocol order', async () => {
    const { h, client, sessionId } = await started({
      stt: { utterances: ['what is the weather'] },
    });
    client.speak(4, 3);
    const metrics = await client.waitForType('turn_metrics');
    const partials = client.of('partial_transcript');
    expect(partials.map((p) => p.text)).toEqual([
      'what',
      'what is',
      'what is the',
      'what is the weather',
    ]); // the final repeats the last partial: not re-sent
    expect(partials[0]).toMatchObject({ sessionId, confidence: 0.95 });
    expect(client.of('final_transcript')).toEqual([
      {
        type: 'final_transcript',
        turnId: metrics.turnId,
        text: 'what is the weather',
        confidence: 0.95,
      },
    ]);
    const order = client.log
      .filter(
        (t) =>
          ![
            'partial_transcript',
            'speech_started',
            'session_started',
            'response_text',
            'usage',
          ].includes(t),
      )
      .filter((t, i, all) => t !== 'binary' || all[i - 1] !== 'binary');
    expect(order).toEqual([
      'final_transcript',
      'response_start',
      'audio_start',
      'binary',
      'audio_end',
      'response_end',
      'turn_metrics',
    ]);
    expect(replyText(client)).toBe('You asked: what is the weather. Here is my answer.');
    expect(client.audioBytes).toBeGreaterThan(0);
    expect(h.llm.calls).toHaveLength(1);
    expect(metrics).toMatchObject({
      sttFirstPartialMs: expect.any(Number),
      llmTtftMs: expect.any(Number),
      ttsTtfbMs: expect.any(Number),
      e2eMs: expect.any(Number),
    });
  });

  it('a partial stable for the window, then extended by more words, gives one reply to the full text', async () => {
    const { h, client } = await started({ stt: { utterances: ['what is the weather in Paris'] } });
    client.speak(4, 0); // "what is the weather", then the audio stops
    // Stable for longer than the 50 ms window and no speech for two frames (200 ms): the
    // speculation starts.
    await wait(350);
    expect(h.llm.calls).toHaveLength(1);
    expect(client.of('response_start')).toHaveLength(0);
    client.speak(2, 3); // "... in Paris", then the end of the turn
    await client.waitForType('turn_metrics');
    await wait(100);
    expect(client.of('response_start')).toHaveLength(1);
    expect(replyText(client)).toBe('You asked: what is the weather in Paris. Here is my answer.');
    // The reply to the full text may itself be a speculation started by the closing pause
    // (two silent frames before the final); either way there are exactly these two requests.
    expect(h.llm.calls.map((c) => c.request.messages.at(-1)?.content)).toEqual([
      'what is the weather',
      'what is the weather in Paris',
    ]);
    expect(h.llm.calls[0]?.aborted || h.llm.calls[0]?.completed).toBe(true);
    // The discarded speculation is real money: its tokens are metered.
    const llmEvents = h.collected.of('usage_event').filter((e) => e.feature === 'voice_llm');
    expect(llmEvents.map((e) => e.meta?.cancelled)).toEqual([true, false]);
    expect(llmEvents[0]?.tokensOutput).toBeGreaterThan(0);
  });

  it('a partial stable then confirmed releases the speculative reply (turn_metrics.speculative)', async () => {
    const { h, client } = await started({
      stt: { utterances: ['what is the weather'] },
      tts: { timeToFirstByteMs: 80 },
    });
    client.speak(4, 0);
    await wait(450); // speculation generated, first sentence synthesised while the user "pauses"
    expect(h.tts.calls).toHaveLength(1);
    expect(client.of('response_start')).toHaveLength(0);
    client.speak(0, 3);
    const metrics = await client.waitForType('turn_metrics');
    expect(metrics.speculative).toBe(true);
    expect(h.llm.calls).toHaveLength(1);
    expect(client.of('response_start')).toHaveLength(1);
    expect(replyText(client)).toBe('You asked: what is the weather. Here is my answer.');
  });

  it('a typed text turn takes the same path as a final transcript', async () => {
    const { client } = await started();
    client.send({ type: 'text', text: 'hello there' });
    await client.waitForType('turn_metrics');
    expect(client.of('final_transcript')[0]).toMatchObject({ text: 'hello there', confidence: 1 });
    expect(replyText(client)).toBe('You asked: hello there. Here is my answer.');
    expect(client.of('usage')[0]?.llmOutputTokens).toBeGreaterThan(0);
  });

  it('carries the conversation history into the next reply', async () => {
    const { h, client } = await started();
    client.send({ type: 'text', text: 'my name is Ada' });
    await client.waitForType('turn_metrics');
    client.send({ type: 'text', text: 'what is my name' });
    await client.waitForType('turn_metrics', 2);
    expect(h.llm.calls[1]?.request.messages).toEqual([
      { role: 'user', content: 'my name is Ada' },
      { role: 'assistant', content: 'You asked: my name is Ada. Here is my answer.' },
      { role: 'user', content: 'what is my name' },
    ]);
  });
});

describe('an existing conversation', () => {
  it('gives its stored history to the LLM as context', async () => {
    const h = await VoiceHarness.start({ db });
    harnesses.push(h);
    const user = await h.user();
    const conversationId = crypto.randomUUID();
    await db.asService(async (tx) => {
      await tx.query('insert into public.conversations (id, user_id, title) values ($1, $2, $3)', [
        conversationId,
        user.id,
        'Trip',
      ]);
      await tx.query(
        `insert into public.messages (conversation_id, user_id, role, content, created_at) values
           ($1, $2, 'user', 'I am going to Lisbon', now() - interval '2 minutes'),
           ($1, $2, 'assistant', 'Lovely city!', now() - interval '1 minute')`,
        [conversationId, user.id],
      );
    });
    const client = await h.client();
    const session = await client.start(user.token, { conversationId });
    expect(session.conversationId).toBe(conversationId);
    client.send({ type: 'text', text: 'what should I pack' });
    await client.waitForType('turn_metrics');
    expect(h.llm.calls[0]?.request.messages).toEqual([
      { role: 'user', content: 'I am going to Lisbon' },
      { role: 'assistant', content: 'Lovely city!' },
      { role: 'user', content: 'what should I pack' },
    ]);
    expect(h.collected.of('conversation')).toHaveLength(0); // it exists: not created again
  });

  it("refuses another user's conversation with 4000", async () => {
    const h = await VoiceHarness.start({ db });
    harnesses.push(h);
    const owner = await h.user();
    const conversationId = crypto.randomUUID();
    await db.asService((tx) =>
      tx.query('insert into public.conversations (id, user_id) values ($1, $2)', [
        conversationId,
        owner.id,
      ]),
    );
    const mallory = await h.user();
    const client = await h.client();
    client.send({ type: 'session_start', token: mallory.token, conversationId });
    expect((await client.waitForClose()).code).toBe(4000);
    expect(client.of('error')[0]).toMatchObject({ code: 'not_found' });
    expect(await h.limits.registry.count(mallory.id)).toBe(0);
  });
});

describe('provider failures', () => {
  it('every LLM failing: a spoken and written apology, and the session goes on', async () => {
    const { h, client } = await started();
    h.llm.failNext();
    client.send({ type: 'text', text: 'hello' });
    const end = await client.waitForType('response_end');
    expect(end.text).toMatch(/^Sorry, I can't answer right now/);
    expect(client.audioBytes).toBeGreaterThan(0);
    expect(client.of('error').at(-1)).toMatchObject({
      code: 'provider_unavailable',
      retryable: true,
    });
    client.send({ type: 'text', text: 'hello again' });
    expect((await client.waitForType('response_end', 2)).text).toBe(
      'You asked: hello again. Here is my answer.',
    );
  });
});

describe('barge-in', () => {
  const slowSpeech: HarnessOptions['tts'] = { msPerCharacter: 60, chunkMs: 40, realTimeFactor: 1 };

  it('an interrupt message cuts the audio within one frame and stores only what was sent', async () => {
    const { h, client } = await started({ tts: slowSpeech });
    client.send({ type: 'text', text: 'tell me a long story' });
    await client.waitForType('audio_start');
    await wait(100);
    const turnId = client.of('audio_start')[0]?.turnId;
    client.send({ type: 'interrupt', turnId });
    await client.waitForType('interrupted');
    const bytesAtInterrupt = client.audioBytes;
    const end = await client.waitForType('response_end');
    await wait(200);
    // At most one frame (40 ms at 24 kHz) was already on the wire when the interrupt arrived.
    expect(client.audioBytes - bytesAtInterrupt).toBeLessThanOrEqual(24_000 * 0.04 * 2);
    expect(end.interrupted).toBe(true);
    expect('You asked: tell me a long story. Here is my answer.'.startsWith(end.text)).toBe(true);
    const metrics = await client.waitForType('turn_metrics');
    expect(metrics.turnId).toBe(turnId);
    // The stored reply is what the client received, marked interrupted.
    const stored = h.collected.of('message').filter((m) => m.role === 'assistant');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      content: end.text,
      metadata: { interrupted: true, voice_call: true },
    });
  });

  it('user speech over the reply cuts it, then the new turn is answered', async () => {
    const { h, client } = await started({ tts: slowSpeech, stt: { utterances: ['stop please'] } });
    client.send({ type: 'text', text: 'tell me a long story' });
    await client.waitForType('audio_start');
    client.sendAudio(LOUD_FRAME); // "stop"
    await client.waitForType('interrupted');
    expect(client.of('response_end')[0]).toMatchObject({ interrupted: true });
    client.sendAudio(LOUD_FRAME);
    for (let i = 0; i < 3; i++) client.sendAudio(QUIET_FRAME);
    await client.waitForType('response_end', 2, 10_000);
    expect(client.of('response_end')[1]).toMatchObject({
      interrupted: false,
      text: 'You asked: stop please. Here is my answer.',
    });
    expect(h.llm.calls).toHaveLength(2);
  });
});

describe('resume', () => {
  it('continues the same session, conversation and costs after a disconnect, counted once', async () => {
    const { h, client, userId, sessionId, conversationId } = await started();
    client.send({ type: 'text', text: 'first' });
    const usage = await client.waitForType('usage');
    client.terminate();
    await wait(100);
    const again = await h.client();
    const resumed = await again.start(await h.token(userId), { resumeSessionId: sessionId });
    expect(resumed).toMatchObject({ sessionId, conversationId, resumed: true });
    expect(await h.limits.registry.count(userId)).toBe(1);
    again.send({ type: 'text', text: 'second' });
    const usageAfter = await again.waitForType('usage');
    expect(usageAfter.costUsd).toBeGreaterThan(usage.costUsd);
    expect(h.llm.calls[1]?.request.messages.map((m) => m.content)).toContain('first');
  });

  it('a session ended in order cannot be resumed; a later resume starts a fresh session', async () => {
    const { h, client, userId, sessionId } = await started();
    client.terminate();
    await wait(100);
    const first = await h.client();
    expect((await first.start(await h.token(userId), { resumeSessionId: sessionId })).resumed).toBe(
      true,
    );
    first.send({ type: 'session_end' });
    expect((await first.waitForClose()).code).toBe(1000);
    await wait(50);
    const second = await h.client();
    const fresh = await second.start(await h.token(userId), { resumeSessionId: sessionId });
    expect(fresh.resumed).toBe(false);
    expect(fresh.sessionId).not.toBe(sessionId);
  });

  it('another user cannot resume the session', async () => {
    const { h, client, sessionId } = await started();
    client.terminate();
    await wait(100);
    const mallory = await h.user();
    const other = await h.client();
    const session = await other.start(mallory.token, { resumeSessionId: sessionId });
    expect(session.resumed).toBe(false);
    expect(session.sessionId).not.toBe(sessionId);
  });

  it('after the resume window the session is gone', async () => {
    const { h, client, userId, sessionId } = await started({ settings: { resumeWindowMs: 50 } });
    client.terminate();
    await wait(200);
    const again = await h.client();
    expect((await again.start(await h.token(userId), { resumeSessionId: sessionId })).resumed).toBe(
      false,
    );
  });
});
