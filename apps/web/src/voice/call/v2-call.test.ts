import type { ServerMessage } from '@atlas/protocol';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../app/logger.js';
import { type PlaybackContext, PlaybackQueue } from '../audio/playback-queue.js';
import { FakeAudioContext } from '../testing/fake-audio.js';
import { FakeSocket, sessionStarted } from '../testing/fake-socket.js';
import { ManualTimers } from '../testing/manual-timers.js';
import type { CallAction } from './call-state.js';
import { V2Call } from './v2-call.js';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function live(timers = new ManualTimers()) {
  const context = new FakeAudioContext();
  const playback = new PlaybackQueue(context as unknown as PlaybackContext);
  const actions: CallAction[] = [];
  const sockets: FakeSocket[] = [];
  const call = new V2Call({
    url: 'ws://atlas.test/v2/voice',
    getToken: async () => 'jwt',
    logger: createLogger({ sink: quiet }),
    dispatch: (action) => actions.push(action),
    playback,
    onUnreachable: () => {},
    timers,
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
  });
  call.start();
  await flush();
  const socket = sockets[0] as FakeSocket;
  socket.open();
  socket.receive(sessionStarted());
  const server = (...messages: ServerMessage[]) => {
    for (const message of messages) socket.receive(message);
  };
  return { context, playback, actions, socket, sockets, call, server, timers };
}

const replyWithAudio = (turnId: string): ServerMessage[] => [
  { type: 'final_transcript', turnId, text: 'Hello there', confidence: 0.9 },
  { type: 'response_start', turnId },
  { type: 'response_text', turnId, delta: 'Hi!' },
  { type: 'audio_start', turnId, encoding: 'linear16', sampleRate: 24_000 },
];

describe('V2Call', () => {
  it('turns server messages into view actions and plays the reply audio', async () => {
    const { context, actions, socket, server, playback } = await live();
    server({
      type: 'partial_transcript',
      turnId: 't1',
      text: 'hel',
      confidence: 0.5,
      sessionId: 's',
    });
    server(...replyWithAudio('t1'));
    socket.receiveBinary(new Uint8Array(4_800));
    server(
      { type: 'audio_end', turnId: 't1' },
      { type: 'response_end', turnId: 't1', text: 'Hi!', interrupted: false },
      {
        type: 'turn_metrics',
        turnId: 't1',
        sttFirstPartialMs: 90,
        endOfSpeechToFinalMs: 300,
        llmTtftMs: 200,
        ttsTtfbMs: 100,
        e2eMs: 640,
        speculative: true,
      },
      {
        type: 'usage',
        costUsd: 0.012,
        sttSeconds: 2,
        llmInputTokens: 10,
        llmOutputTokens: 3,
        ttsCharacters: 3,
      },
      { type: 'budget_warning', costUsd: 4.1, limitUsd: 5 },
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        { type: 'mode', mode: 'v2' },
        { type: 'status', status: 'live', message: undefined },
        { type: 'partial', text: 'hel' },
        { type: 'final', text: 'Hello there' },
        { type: 'reply_start' },
        { type: 'reply_delta', text: 'Hi!' },
        { type: 'reply_end', text: 'Hi!' },
        { type: 'latency', ms: 640 },
        { type: 'cost', usd: 0.012 },
        { type: 'budget_warning', costUsd: 4.1, limitUsd: 5 },
      ]),
    );
    expect(context.sources).toHaveLength(1);
    expect(context.sources[0]?.buffer?.sampleRate).toBe(24_000);
    expect(playback.stats.scheduledMs).toBe(100);
  });

  it('sends microphone frames to the gateway', async () => {
    const { call, socket } = await live();
    call.onFrame({ pcm: new ArrayBuffer(3_200), level: 0.01 });
    expect(socket.binaryFrames).toHaveLength(1);
  });

  it('barges in when the user speaks over the reply: interrupt sent, playback flushed, late audio dropped', async () => {
    const { call, socket, server, playback, context } = await live();
    server(...replyWithAudio('t1'));
    socket.receiveBinary(new Uint8Array(48_000));
    expect(playback.playing).toBe(true);
    for (let i = 0; i < 3; i++) call.onFrame({ pcm: new ArrayBuffer(3_200), level: 0.2 });
    expect(socket.messages.at(-1)).toEqual({ type: 'interrupt', turnId: 't1' });
    expect(playback.playing).toBe(false);
    expect(context.sources[0]?.stopped).toBe(true);
    socket.receiveBinary(new Uint8Array(4_800)); // still in flight from the server
    expect(context.sources).toHaveLength(1);
    // The next turn plays again.
    server(...replyWithAudio('t2'));
    socket.receiveBinary(new Uint8Array(4_800));
    expect(context.sources).toHaveLength(2);
  });

  it('does not barge in on quiet input or when nothing is playing', async () => {
    const { call, socket, server } = await live();
    for (let i = 0; i < 5; i++) call.onFrame({ pcm: new ArrayBuffer(3_200), level: 0.3 });
    server(...replyWithAudio('t1'));
    socket.receiveBinary(new Uint8Array(48_000));
    for (let i = 0; i < 5; i++) call.onFrame({ pcm: new ArrayBuffer(3_200), level: 0.01 });
    expect(socket.messages.some((m) => m.type === 'interrupt')).toBe(false);
  });

  it('flushes playback when the server says interrupted, and on the Interrupt button', async () => {
    const { call, socket, server, playback } = await live();
    server(...replyWithAudio('t1'));
    socket.receiveBinary(new Uint8Array(48_000));
    server({ type: 'interrupted', turnId: 't1' });
    expect(playback.stats).toMatchObject({ flushes: 1, playing: false });
    server(...replyWithAudio('t2'));
    socket.receiveBinary(new Uint8Array(48_000));
    call.interrupt();
    expect(playback.stats).toMatchObject({ flushes: 2, playing: false });
    expect(socket.messages.at(-1)).toEqual({ type: 'interrupt', turnId: 't2' });
  });

  it('shows a non-fatal server error as a notice', async () => {
    const { actions, server } = await live();
    server({
      type: 'error',
      code: 'bad_audio_chunk',
      message: 'The audio frame was rejected.',
      retryable: false,
    });
    expect(actions.at(-1)).toEqual({ type: 'notice', message: 'The audio frame was rejected.' });
  });

  it('gives up on a reply that does not come within 30 s, and says so', async () => {
    const { actions, server, timers } = await live();
    server({ type: 'final_transcript', turnId: 't1', text: 'Hello', confidence: 0.9 });
    server({ type: 'response_start', turnId: 't1' });
    timers.advance(29_999);
    expect(actions.some((a) => a.type === 'notice')).toBe(false);
    timers.advance(1);
    expect(actions.at(-1)).toEqual({
      type: 'notice',
      message: expect.stringMatching(/did not answer/),
    });
  });

  it('stops waiting once the reply shows up', async () => {
    const { actions, server, timers } = await live();
    server(...replyWithAudio('t1'));
    timers.advance(60_000);
    expect(actions.some((a) => a.type === 'notice')).toBe(false);
  });

  it('waits 10 s for a reply that was in flight when the session resumed', async () => {
    const { actions, server, sockets, timers } = await live();
    server({ type: 'final_transcript', turnId: 't1', text: 'Hello', confidence: 0.9 });
    sockets[0]?.serverClose(1006);
    timers.advance(1_000);
    await flush();
    const resumed = sockets[1] as FakeSocket;
    resumed.open();
    resumed.receive(sessionStarted('sess-1', true));
    timers.advance(9_999);
    expect(actions.some((a) => a.type === 'notice')).toBe(false);
    timers.advance(1);
    expect(actions.at(-1)).toMatchObject({ type: 'notice' });
  });

  it('leaves no timer behind when disposed while waiting', async () => {
    const { call, server, timers } = await live();
    server({ type: 'final_transcript', turnId: 't1', text: 'Hello', confidence: 0.9 });
    call.dispose();
    expect(timers.pending).toBe(0);
  });
});
