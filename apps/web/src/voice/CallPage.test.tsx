import type { ClientConfig } from '@atlas/protocol';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/api-client.js';
import { createLogger } from '../app/logger.js';
import { ServicesProvider } from '../app/services.js';
import { CallPage } from './CallPage.js';
import { FakeAudioContext, FakeMicrophone, FakeNode } from './testing/fake-audio.js';
import { FakeSocket, sessionStarted } from './testing/fake-socket.js';

const config: ClientConfig = {
  version: 'test',
  voiceV2Enabled: true,
  voiceAvailable: true,
  auth: { url: null, anonKey: null },
  offline: true,
  providers: { stt: 'pocketsphinx', llm: 'offline', tts: 'espeak' },
};

let microphone: FakeMicrophone;

/** The page with every browser API it touches replaced by fakes installed as globals. */
function renderPage(overrides: Partial<ClientConfig> = {}) {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const services = {
    config: { ...config, ...overrides },
    api: new ApiClient({
      getAccessToken: async () => 'jwt',
      fetch: async () => new Response('{}'),
    }),
    getAccessToken: async () => 'jwt',
    userId: 'u1',
    logger: createLogger({ sink: quiet }),
    baseUrl: '',
  };
  return render(
    <ServicesProvider services={services}>
      <CallPage />
    </ServicesProvider>,
  );
}

/** Lets pending promises (permission, worklet loading, token) resolve inside React's act. */
async function settle() {
  await act(async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  });
}

const socket = () => FakeSocket.created.at(-1) as FakeSocket;
const stateOf = () => screen.getByTestId('call-state').getAttribute('data-state');

async function startLiveCall() {
  fireEvent.click(screen.getByTestId('call-start'));
  await settle();
  act(() => {
    socket().open();
    socket().receive(sessionStarted());
  });
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  FakeAudioContext.created.length = 0;
  FakeSocket.created.length = 0;
  microphone = new FakeMicrophone();
  vi.stubGlobal('AudioContext', FakeAudioContext);
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal(
    'AudioWorkletNode',
    class extends FakeNode {
      constructor() {
        super();
        microphone.nodes.push(this);
      }
    },
  );
  Object.defineProperty(navigator, 'mediaDevices', {
    configurable: true,
    value: {
      getUserMedia: (constraints: MediaStreamConstraints) => microphone.getUserMedia(constraints),
    },
  });
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('CallPage', () => {
  it('shows the idle call with the contract’s test ids', () => {
    renderPage();
    expect(stateOf()).toBe('idle');
    expect(screen.getByTestId('voice-mode').getAttribute('data-mode')).toBe('v2');
    for (const id of [
      'partial-transcript',
      'final-transcript',
      'reply-text',
      'mic-level',
      'turn-latency',
      'session-cost',
    ]) {
      expect(screen.getByTestId(id)).toBeTruthy();
    }
    expect(screen.getByTestId('playback-stats').dataset).toMatchObject({
      scheduledMs: '0',
      chunks: '0',
      flushes: '0',
      playing: 'false',
    });
    expect(screen.queryByTestId('call-error')).toBeNull();
    expect(screen.queryByTestId('budget-warning')).toBeNull();
  });

  it('runs a V2 call: live state, mic level, transcripts, reply, audio, latency and cost', async () => {
    renderPage();
    await startLiveCall();
    expect(stateOf()).toBe('live');
    expect(socket().url).toMatch(/^ws:\/\/.+\/v2\/voice$/);
    expect(microphone.constraints[0]?.audio).toMatchObject({
      echoCancellation: true,
      autoGainControl: true,
    });
    act(() => microphone.emit(0.25));
    expect(screen.getByTestId('mic-level').getAttribute('data-level')).toBe('0.250');
    expect(socket().binaryFrames).toHaveLength(1);
    act(() => {
      socket().receive({
        type: 'partial_transcript',
        turnId: 't1',
        text: 'what',
        confidence: 0.4,
        sessionId: 's',
      });
    });
    expect(screen.getByTestId('partial-transcript').textContent).toBe('what');
    act(() => {
      socket().receive({
        type: 'final_transcript',
        turnId: 't1',
        text: 'What time is it?',
        confidence: 0.9,
      });
      socket().receive({ type: 'response_start', turnId: 't1' });
      socket().receive({ type: 'response_text', turnId: 't1', delta: 'It is ' });
      socket().receive({
        type: 'audio_start',
        turnId: 't1',
        encoding: 'linear16',
        sampleRate: 24_000,
      });
      socket().receiveBinary(new Uint8Array(4_800));
    });
    expect(screen.getByTestId('final-transcript').textContent).toBe('What time is it?');
    expect(screen.getByTestId('reply-text').textContent).toBe('It is ');
    expect(screen.getByTestId('playback-stats').dataset).toMatchObject({
      chunks: '1',
      scheduledMs: '100',
      playing: 'true',
    });
    act(() => {
      socket().receive({
        type: 'turn_metrics',
        turnId: 't1',
        sttFirstPartialMs: 1,
        endOfSpeechToFinalMs: 2,
        llmTtftMs: 3,
        ttsTtfbMs: 4,
        e2eMs: 734,
        speculative: false,
      });
      socket().receive({
        type: 'usage',
        costUsd: 0.0042,
        sttSeconds: 1,
        llmInputTokens: 1,
        llmOutputTokens: 1,
        ttsCharacters: 1,
      });
      socket().receive({ type: 'budget_warning', costUsd: 4, limitUsd: 5 });
    });
    expect(screen.getByTestId('turn-latency').textContent).toBe('734 ms');
    expect(screen.getByTestId('session-cost').textContent).toBe('$0.0042');
    expect(screen.getByTestId('budget-warning').textContent).toMatch(/\$4\.00 of its \$5\.00/);
    fireEvent.click(screen.getByTestId('call-interrupt'));
    expect(socket().messages.at(-1)).toEqual({ type: 'interrupt', turnId: 't1' });
    expect(screen.getByTestId('playback-stats').dataset).toMatchObject({
      flushes: '1',
      playing: 'false',
    });
  });

  it('leaves nothing running when unmounted mid-call', async () => {
    const view = renderPage();
    await startLiveCall();
    act(() => {
      socket().receive({
        type: 'audio_start',
        turnId: 't1',
        encoding: 'linear16',
        sampleRate: 24_000,
      });
      socket().receiveBinary(new Uint8Array(48_000));
    });
    const context = FakeAudioContext.created[0] as FakeAudioContext;
    expect(vi.getTimerCount()).toBeGreaterThan(0); // the heartbeat
    view.unmount();
    expect(microphone.tracks.every((track) => track.stopped)).toBe(true);
    expect(microphone.nodes.every((node) => !node.connected && node.port.closed)).toBe(true);
    expect(context.streamSources.every((node) => !node.connected)).toBe(true);
    expect(context.sources.every((source) => source.stopped && !source.connected)).toBe(true);
    await settle();
    expect(FakeAudioContext.created.every((created) => created.state === 'closed')).toBe(true);
    expect(socket().readyState).toBe(3);
    expect(socket().messages.at(-1)).toEqual({ type: 'session_end' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends a call in order and releases everything', async () => {
    renderPage();
    await startLiveCall();
    fireEvent.click(screen.getByTestId('call-end'));
    expect(socket().messages.at(-1)).toEqual({ type: 'session_end' });
    act(() => socket().serverClose(1000));
    await settle();
    expect(stateOf()).toBe('ended');
    expect(microphone.tracks[0]?.stopped).toBe(true);
    expect(FakeAudioContext.created[0]?.state).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
    expect(screen.getByTestId('call-start')).toBeTruthy();
  });

  it('shows the close reason in words when the server refuses the call', async () => {
    renderPage();
    await startLiveCall();
    act(() => {
      socket().receive({
        type: 'error',
        code: 'tier_required',
        message: 'Your plan is core.',
        retryable: false,
      });
      socket().serverClose(4003);
    });
    await settle();
    expect(stateOf()).toBe('failed');
    expect(screen.getByTestId('call-error').textContent).toMatch(/Upgrade to Studio/);
    expect(screen.getByTestId('call-error').getAttribute('role')).toBe('alert');
    expect(FakeAudioContext.created[0]?.state).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shows reconnecting after the server restarts, then live again on resume', async () => {
    renderPage();
    await startLiveCall();
    act(() => socket().serverClose(1001));
    expect(stateOf()).toBe('reconnecting');
    await act(async () => {
      vi.advanceTimersByTime(1_000);
    });
    await settle();
    act(() => socket().open());
    expect(socket().messages[0]).toMatchObject({
      type: 'session_start',
      resumeSessionId: 'sess-1',
    });
    act(() => socket().receive(sessionStarted('sess-1', true)));
    expect(stateOf()).toBe('live');
  });

  it('falls back to V1 when the voice socket cannot be opened', async () => {
    renderPage();
    fireEvent.click(screen.getByTestId('call-start'));
    await settle();
    act(() => socket().serverClose(1006));
    expect(screen.getByTestId('voice-mode').getAttribute('data-mode')).toBe('v1');
    expect(stateOf()).toBe('live');
    expect(screen.getByTestId('call-done-speaking')).toBeTruthy();
  });

  it('uses V1 when real-time voice is turned off', async () => {
    renderPage({ voiceV2Enabled: false });
    expect(screen.getByTestId('voice-mode').textContent).toMatch(/V1/);
    fireEvent.click(screen.getByTestId('call-start'));
    await settle();
    expect(FakeSocket.created).toHaveLength(0);
    expect(stateOf()).toBe('live');
  });

  it('fails with words when the microphone is refused', async () => {
    microphone.refuse = true;
    renderPage();
    fireEvent.click(screen.getByTestId('call-start'));
    await settle();
    expect(stateOf()).toBe('failed');
    expect(screen.getByTestId('call-error').textContent).toMatch(/microphone/i);
    expect(FakeAudioContext.created[0]?.state).toBe('closed');
  });
});
