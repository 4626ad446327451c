import type { ServerMessage } from '@atlas/protocol';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../app/logger.js';
import { FakeSocket, sessionStarted } from '../testing/fake-socket.js';
import { ManualTimers } from '../testing/manual-timers.js';
import { type ConnectionState, VoiceConnection } from './voice-connection.js';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function setup(token: string | null = 'jwt-1') {
  const timers = new ManualTimers();
  const sockets: FakeSocket[] = [];
  const states: {
    state: ConnectionState;
    message?: string | undefined;
    code?: number | undefined;
  }[] = [];
  const messages: ServerMessage[] = [];
  const audio: Uint8Array[] = [];
  const sink = { ...silent, warn: vi.fn() };
  const onUnreachable = vi.fn();
  const connection = new VoiceConnection({
    url: 'ws://atlas.test/v2/voice',
    getToken: async () => token ?? undefined,
    logger: createLogger({ sink, level: 'debug' }),
    timers,
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    events: {
      onState: (state, detail) => states.push({ state, ...detail }),
      onMessage: (message) => messages.push(message),
      onAudio: (chunk) => audio.push(chunk),
      onUnreachable,
    },
  });
  const latest = () => sockets.at(-1) as FakeSocket;
  async function goLive(sessionId = 'sess-1') {
    connection.connect();
    await flush();
    latest().open();
    latest().receive(sessionStarted(sessionId));
  }
  return {
    timers,
    sockets,
    states,
    messages,
    audio,
    sink,
    onUnreachable,
    connection,
    latest,
    goLive,
  };
}

describe('VoiceConnection', () => {
  it('starts the session with the token and goes live on session_started', async () => {
    const t = setup();
    await t.goLive();
    expect(t.latest().binaryType).toBe('arraybuffer');
    expect(t.latest().messages[0]).toEqual({
      type: 'session_start',
      token: 'jwt-1',
      audio: { encoding: 'linear16', sampleRate: 16_000, channels: 1 },
    });
    expect(t.states.map((s) => s.state)).toEqual(['connecting', 'live']);
    expect(t.connection.sessionId).toBe('sess-1');
    expect(t.messages[0]?.type).toBe('session_started');
  });

  it('sends audio as binary only while live', async () => {
    const t = setup();
    t.connection.connect();
    t.connection.sendAudio(new ArrayBuffer(3_200));
    await flush();
    t.latest().open();
    t.connection.sendAudio(new ArrayBuffer(3_200)); // before session_started
    t.latest().receive(sessionStarted());
    t.connection.sendAudio(new ArrayBuffer(3_200));
    expect(t.latest().binaryFrames).toHaveLength(1);
    expect(t.connection.droppedFrames).toBe(2);
    t.latest().bufferedAmount = 10 * 1024 * 1024;
    t.connection.sendAudio(new ArrayBuffer(3_200));
    expect(t.latest().binaryFrames).toHaveLength(1);
  });

  it('passes audio and schema-checked messages on, dropping and logging unknown ones', async () => {
    const t = setup();
    await t.goLive();
    t.latest().receive({ type: 'response_text', turnId: 't1', delta: 'Hello' });
    t.latest().receive({ type: 'mystery', x: 1 });
    t.latest().receive({ type: 'final_transcript', turnId: 't1' }); // fields missing
    t.latest().receiveBinary(new Uint8Array([1, 2, 3, 4]));
    expect(t.messages.map((m) => m.type)).toEqual(['session_started', 'response_text']);
    expect(t.sink.warn).toHaveBeenCalledTimes(2);
    expect(Array.from(t.audio[0] ?? [])).toEqual([1, 2, 3, 4]);
  });

  it('sends interrupt, text and pings; a missing pong reconnects with the session id', async () => {
    const t = setup();
    await t.goLive();
    t.connection.interrupt('t7');
    t.connection.sendText('hello');
    t.timers.advance(30_000);
    expect(t.latest().messages.slice(1)).toEqual([
      { type: 'interrupt', turnId: 't7' },
      { type: 'text', text: 'hello' },
      { type: 'ping', id: 1 },
    ]);
    t.timers.advance(10_000); // no pong
    expect(t.states.at(-1)?.state).toBe('reconnecting');
    expect(t.sockets[0]?.readyState).toBe(3);
    t.timers.advance(1_000);
    await flush();
    t.latest().open();
    expect(t.latest().messages[0]).toMatchObject({
      type: 'session_start',
      resumeSessionId: 'sess-1',
    });
  });

  it('reconnects after 1001 with backoff 1, 2, 4, 8, 16 s, then gives up', async () => {
    const t = setup();
    await t.goLive();
    t.latest().receive({
      type: 'error',
      code: 'server_shutdown',
      message: 'Restarting.',
      retryable: true,
    });
    t.latest().serverClose(1001);
    expect(t.states.at(-1)).toMatchObject({ state: 'reconnecting', code: 1001 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      delays.push(t.timers.pendingDelays[0] ?? -1);
      t.timers.advance(delays.at(-1) ?? 0);
      await flush();
      expect(t.sockets).toHaveLength(attempt + 1);
      t.latest().serverClose(1006); // never opens
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(t.states.at(-1)).toMatchObject({ state: 'failed' });
    expect(t.states.at(-1)?.message).toMatch(/start the call again/);
    expect(t.timers.pending).toBe(0);
  });

  it('resumes the session and starts the backoff afresh after a successful resume', async () => {
    const t = setup();
    await t.goLive();
    t.latest().serverClose(1006);
    t.timers.advance(1_000);
    await flush();
    t.latest().open();
    expect(t.latest().messages[0]).toMatchObject({ resumeSessionId: 'sess-1' });
    t.latest().receive(sessionStarted('sess-1', true));
    expect(t.states.at(-1)?.state).toBe('live');
    t.latest().serverClose(1011);
    expect(t.timers.pendingDelays).toContain(1_000);
  });

  it('holds the last 3 s of audio while reconnecting and sends it once the session resumes', async () => {
    const t = setup();
    await t.goLive();
    t.latest().serverClose(1006);
    for (let i = 0; i < 35; i++) {
      const frame = new Uint8Array(3_200);
      frame[0] = i;
      t.connection.sendAudio(frame.buffer);
    }
    t.timers.advance(1_000);
    await flush();
    t.latest().open();
    expect(t.latest().binaryFrames).toHaveLength(0);
    t.latest().receive(sessionStarted('sess-1', true));
    const sent = t.latest().binaryFrames.map((frame) => new Uint8Array(frame)[0]);
    expect(sent).toEqual(Array.from({ length: 30 }, (_, i) => i + 5));
    expect(t.connection.droppedFrames).toBe(5);
  });

  it.each([
    [4001, /sign in again/],
    [4003, /Upgrade to Studio/],
    [4008, /limit/],
    [4009, /without speech/],
    [4029, /too many voice calls/],
  ])('does not reconnect after %i and says why', async (code, words) => {
    const t = setup();
    await t.goLive();
    t.latest().receive({ type: 'error', code: 'x', message: 'Server detail.', retryable: false });
    t.latest().serverClose(code);
    expect(t.states.at(-1)?.state).toBe('failed');
    expect(t.states.at(-1)?.message).toMatch(words);
    expect(t.states.at(-1)?.message).toMatch(/Server detail\./);
    expect(t.sockets).toHaveLength(1);
    expect(t.timers.pending).toBe(0);
  });

  it('reports an unreachable gateway (never opened) without a failed state, for the V1 fallback', async () => {
    const t = setup();
    t.connection.connect();
    await flush();
    t.latest().serverClose(1006);
    expect(t.onUnreachable).toHaveBeenCalledOnce();
    expect(t.states.map((s) => s.state)).toEqual(['connecting']);
    expect(t.timers.pending).toBe(0);
  });

  it('fails with "sign in again" when there is no token', async () => {
    const t = setup(null);
    t.connection.connect();
    await flush();
    expect(t.sockets).toHaveLength(0);
    expect(t.states.at(-1)).toMatchObject({ state: 'failed', code: 4001 });
  });

  it('ends in order: session_end, then the server closes with 1000', async () => {
    const t = setup();
    await t.goLive();
    t.connection.end();
    expect(t.latest().messages.at(-1)).toEqual({ type: 'session_end' });
    expect(t.states.at(-1)?.state).toBe('live');
    t.latest().serverClose(1000);
    expect(t.states.at(-1)?.state).toBe('ended');
    expect(t.timers.pending).toBe(0);
  });

  it('closes the socket itself when the server does not close after session_end', async () => {
    const t = setup();
    await t.goLive();
    t.connection.end();
    t.timers.advance(2_000);
    expect(t.states.at(-1)?.state).toBe('ended');
    expect(t.latest().closedWith).toBe(1000);
    expect(t.timers.pending).toBe(0);
  });

  it('ends immediately (unmount) and cancels a pending reconnect', async () => {
    const t = setup();
    await t.goLive();
    t.latest().serverClose(1006);
    expect(t.timers.pending).toBe(1);
    t.connection.end({ immediately: true });
    expect(t.states.at(-1)?.state).toBe('ended');
    expect(t.timers.pending).toBe(0);
    t.timers.advance(60_000);
    expect(t.sockets).toHaveLength(1);
  });
});
