import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../app/logger.js';
import { type PlaybackContext, PlaybackQueue } from '../audio/playback-queue.js';
import { decodeWav } from '../audio/wav.js';
import { CONVERSATION_ID, type FakeAtlasOptions, fakeAtlasApi } from '../testing/fake-atlas-api.js';
import { FakeAudioContext } from '../testing/fake-audio.js';
import type { CallAction } from './call-state.js';
import { V1Call } from './v1-call.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const frame = (level: number) => ({ pcm: new ArrayBuffer(3_200), level });

function setup(options: FakeAtlasOptions = {}) {
  const { api, requests } = fakeAtlasApi(options);
  const context = new FakeAudioContext();
  const playback = new PlaybackQueue(context as unknown as PlaybackContext);
  const actions: CallAction[] = [];
  let clock = 1_000;
  const call = new V1Call({
    api,
    logger: createLogger({ sink: quiet }),
    dispatch: (action) => actions.push(action),
    playback,
    now: () => clock,
  });
  call.start();
  const speakTurn = () => {
    for (let i = 0; i < 3; i++) call.onFrame(frame(0.2));
    for (let i = 0; i < 8; i++) call.onFrame(frame(0));
  };
  return {
    call,
    actions,
    requests,
    context,
    playback,
    speakTurn,
    tick: (ms: number) => (clock += ms),
  };
}

describe('V1Call', () => {
  it('records a turn to the end of speech, then transcribes, replies and speaks it', async () => {
    const t = setup();
    expect(t.actions.slice(0, 2)).toEqual([
      { type: 'mode', mode: 'v1' },
      { type: 'status', status: 'live' },
    ]);
    t.speakTurn();
    await vi.waitFor(() => expect(t.call.phase).toBe('speaking'));
    expect(t.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/voice/transcribe',
      'POST /v1/conversations',
      `POST /v1/conversations/${CONVERSATION_ID}/messages`,
      'POST /v1/voice/speak',
    ]);
    // The upload is a 16 kHz WAV of the recorded frames.
    const form = t.requests[0]?.body;
    if (!(form instanceof FormData)) throw new Error('the upload was not multipart');
    const upload = form.get('audio') as Blob;
    const wav = decodeWav(new Uint8Array(await upload.arrayBuffer()));
    expect(wav.sampleRate).toBe(16_000);
    expect(wav.pcm.byteLength % 3_200).toBe(0);
    expect(t.requests[2]?.body).toEqual({ content: 'hello atlas' });
    expect(t.requests[3]?.body).toEqual({ text: 'Hello from Atlas.' });
    expect(t.actions).toEqual(
      expect.arrayContaining([
        { type: 'final', text: 'hello atlas' },
        { type: 'reply_start' },
        { type: 'reply_delta', text: 'Hello ' },
        { type: 'reply_delta', text: 'from Atlas.' },
        { type: 'reply_end', text: 'Hello from Atlas.' },
        { type: 'latency', ms: 0 },
      ]),
    );
    expect(t.context.sources[0]?.buffer?.sampleRate).toBe(22_050);
    expect(t.playback.stats.scheduledMs).toBeCloseTo(200);
  });

  it('reuses the conversation for the next turn and listens again when playback ends', async () => {
    const t = setup();
    t.speakTurn();
    await vi.waitFor(() => expect(t.call.phase).toBe('speaking'));
    t.context.sources[0]?.end();
    t.call.onFrame(frame(0));
    expect(t.call.phase).toBe('listening');
    t.speakTurn();
    await vi.waitFor(() => expect(t.requests).toHaveLength(7));
    expect(t.requests.filter((r) => r.path === '/v1/conversations')).toHaveLength(1);
  });

  it('ends the turn on "Done speaking" without waiting for silence', async () => {
    const t = setup();
    for (let i = 0; i < 4; i++) t.call.onFrame(frame(0.2));
    expect(t.call.phase).toBe('recording');
    t.call.doneSpeaking();
    await vi.waitFor(() => expect(t.requests.length).toBeGreaterThan(0));
    expect(t.requests[0]?.path).toBe('/v1/voice/transcribe');
  });

  it('lets the user barge in over the reply: playback stops and a new turn is recorded', async () => {
    const t = setup();
    t.speakTurn();
    await vi.waitFor(() => expect(t.call.phase).toBe('speaking'));
    for (let i = 0; i < 3; i++) t.call.onFrame(frame(0.3));
    expect(t.playback.stats).toMatchObject({ flushes: 1, playing: false });
    expect(t.call.phase).not.toBe('speaking');
  });

  it('shows a failed call in words and keeps listening', async () => {
    const t = setup({ transcribeStatus: 402 });
    t.speakTurn();
    await vi.waitFor(() => expect(t.actions.some((a) => a.type === 'error')).toBe(true));
    expect(t.actions.find((a) => a.type === 'error')).toEqual({
      type: 'error',
      message: expect.stringMatching(/usage limit/),
    });
    expect(t.call.phase).toBe('listening');
  });

  it('says so when nothing was understood', async () => {
    const t = setup({ transcript: '  ' });
    t.speakTurn();
    await vi.waitFor(() =>
      expect(t.actions).toContainEqual({
        type: 'notice',
        message: 'Sorry, I did not catch that. Try again.',
      }),
    );
    expect(t.requests).toHaveLength(1);
  });

  it('cancels the turn in flight when the call ends', async () => {
    const t = setup();
    t.speakTurn();
    t.call.dispose();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t.context.sources).toHaveLength(0);
    expect(t.actions.some((a) => a.type === 'error')).toBe(false);
  });
});
