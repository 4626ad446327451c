import {
  CodedSpeechRecognizer,
  codedSpeech,
  type DeepgramFake,
  type DeepgramFakeOptions,
  type Fault,
  silence,
  startDeepgramFake,
  toneFrame,
} from '@atlas/fakes';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProviderError } from '../provider-error.js';
import { DeepgramStt, type DeepgramSttOptions } from './deepgram-stt.js';
import type { SttEvent, SttStream } from './stt.js';

const API_KEY = 'dg-test-key';
const FAST_RECONNECT = { attempts: 4, baseDelayMs: 40, maxDelayMs: 80, maxRetryAfterMs: 0 };

let fake: DeepgramFake | undefined;
const streams: SttStream[] = [];
afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.close()));
  await fake?.close();
  fake = undefined;
});

async function setup(
  fakeOptions: DeepgramFakeOptions,
  sttOptions: Partial<DeepgramSttOptions> = {},
  onEvent?: (event: SttEvent, stream: () => SttStream) => void,
  faults: Fault[] = [],
) {
  fake = await startDeepgramFake({ apiKeys: [API_KEY], ...fakeOptions });
  // Faults are consumed per connection, starting with the one `openStream` makes.
  fake.faults.push(...faults);
  const stt = new DeepgramStt({ apiKey: API_KEY, baseUrl: fake.url, ...sttOptions });
  const events: SttEvent[] = [];
  let opened: SttStream | undefined;
  const stream = await stt.openStream({
    sampleRate: 16_000,
    onEvent: (event) => {
      events.push(event);
      onEvent?.(event, () => opened as SttStream);
    },
  });
  opened = stream;
  streams.push(stream);
  return { fake, stt, stream, events };
}

/** `partial:text`, `final:text`, or the bare type: what the turn manager sees. */
const label = (event: SttEvent) =>
  event.type === 'partial' || event.type === 'final' ? `${event.type}:${event.text}` : event.type;

const until = (condition: () => boolean) =>
  vi.waitFor(() => expect(condition()).toBe(true), { timeout: 10_000, interval: 5 });

const count = (events: SttEvent[], type: SttEvent['type']) =>
  events.filter((event) => event.type === type).length;

const finalText = (events: SttEvent[]) =>
  events.flatMap((event) => (event.type === 'final' ? [event.text] : [])).join(' | ');

describe('DeepgramStt streaming', () => {
  it('maps interim results, the final segment and the end of the turn, with confidence', async () => {
    const { fake, stream, events } = await setup({
      script: ['What is the weather?'],
      confidence: 0.93,
    });
    for (let i = 0; i < 8; i++) stream.pushAudio(toneFrame());
    for (const frame of silence(14)) stream.pushAudio(frame);
    await until(() => count(events, 'utterance_end') === 1);

    expect(events.map(label)).toEqual([
      'speech_started',
      'partial:What',
      'partial:What',
      'partial:What is',
      'partial:What is',
      'partial:What is the',
      'partial:What is the',
      'partial:What is the weather?',
      'partial:What is the weather?',
      'partial:What is the weather?',
      'partial:What is the weather?',
      'final:What is the weather?',
      'utterance_end',
    ]);
    expect(events.find((event) => event.type === 'final')).toMatchObject({ confidence: 0.93 });
    expect(events.find((event) => event.type === 'partial')).toMatchObject({ confidence: 0.93 });

    // Deepgram's UtteranceEnd follows the speech_final result: still one end for the turn.
    const connection = fake.connections[0];
    await until(() => connection?.sent.some((m) => m.type === 'UtteranceEnd') === true);
    await stream.close();
    expect(count(events, 'utterance_end')).toBe(1);
    expect(connection?.credential).toBe(API_KEY);
    expect(connection?.query).toMatchObject({
      model: 'nova-3',
      encoding: 'linear16',
      sample_rate: '16000',
      channels: '1',
      interim_results: 'true',
      endpointing: '300',
      utterance_end_ms: '1000',
      vad_events: 'true',
      smart_format: 'true',
    });
    expect(connection?.framesReceived).toBe(22);
  });

  it('builds the partial from the turn so far and ends the turn on UtteranceEnd', async () => {
    // endpointing=false: segments are final without speech_final, so only UtteranceEnd ends it.
    const { stream, events } = await setup(
      { script: ['turn on', 'the lights'] },
      { endpointingMs: false },
    );
    const speech = [toneFrame(), toneFrame()];
    for (const frame of [...speech, ...silence(3), ...speech, ...silence(12)]) {
      stream.pushAudio(frame);
    }
    await until(() => count(events, 'utterance_end') === 1);
    expect(events.map(label)).toEqual([
      'speech_started',
      'partial:turn',
      'partial:turn',
      'final:turn on',
      'partial:turn on the',
      'partial:turn on the',
      'final:the lights',
      'utterance_end',
    ]);
  });

  it('sends Finalize and ends the turn with the from_finalize result', async () => {
    const { fake, stream, events } = await setup({ script: ['call mom'] });
    for (let i = 0; i < 3; i++) stream.pushAudio(toneFrame());
    stream.finalize();
    await until(() => count(events, 'utterance_end') === 1);
    expect(events.map(label).slice(-2)).toEqual(['final:call mom', 'utterance_end']);
    expect(fake.connections[0]?.finalizes).toBe(1);
  });

  it('sends KeepAlive while no audio flows', async () => {
    const { fake } = await setup({}, { keepAliveMs: 20 });
    await until(() => (fake.connections[0]?.keepAlives ?? 0) >= 3);
    expect(new Set(fake.connections[0]?.controlMessages)).toEqual(new Set(['KeepAlive']));
  });

  it('closes with CloseStream and emits nothing afterwards', async () => {
    const { fake, stream, events } = await setup({ script: ['unfinished words'] });
    for (let i = 0; i < 3; i++) stream.pushAudio(toneFrame());
    await until(() => count(events, 'partial') > 0);
    const before = events.length;
    await stream.close();
    stream.pushAudio(toneFrame());
    stream.finalize();
    const connection = fake.connections[0];
    expect(connection?.closeStreams).toBe(1);
    expect(await connection?.whenClosed).toMatchObject({ code: 1000 });
    expect(connection?.framesReceived).toBe(3);
    expect(events).toHaveLength(before);
  });
});

describe('DeepgramStt reconnection', () => {
  const vocabulary = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];

  it('survives a 1011 mid-utterance: the words spoken while reconnecting are transcribed', async () => {
    const frames = [...codedSpeech(vocabulary, vocabulary), ...silence(12)];
    let pushedDuringReconnect = 0;
    const { fake, events } = await setup(
      { recognizer: new CodedSpeechRecognizer(vocabulary) },
      { reconnectPolicy: FAST_RECONNECT },
      (event, stream) => {
        // The drop is reported as the reconnect starts: the user keeps talking meanwhile.
        if (event.type !== 'error') return;
        for (const frame of frames.slice(5)) stream().pushAudio(frame);
        pushedDuringReconnect = frames.length - 5;
      },
      [{ kind: 'ws_close', code: 1011, reason: 'NET-0000', afterFrames: 5 }],
    );
    const stream = streams[0] as SttStream;
    for (const frame of frames.slice(0, 5)) stream.pushAudio(frame);
    await until(() => count(events, 'utterance_end') === 1);

    expect(pushedDuringReconnect).toBe(19);
    expect(finalText(events)).toBe('alpha bravo charlie delta echo foxtrot');
    const errors = events.filter((event) => event.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ fatal: false, error: { status: 1011, retryable: true } });
    expect(count(events, 'speech_started')).toBe(1);
    // The unsettled audio of the dropped connection was replayed first, then the buffered rest.
    expect(fake.connections).toHaveLength(2);
    expect(fake.connections[0]?.framesReceived).toBe(5);
    expect(fake.connections[1]?.framesReceived).toBe(24);
  });

  it('replays only what Deepgram had not settled: no turn is heard twice', async () => {
    const frames = [
      ...codedSpeech(['alpha', 'bravo'], vocabulary),
      ...silence(4),
      ...codedSpeech(['charlie', 'delta'], vocabulary),
      ...silence(12),
    ];
    const { fake, events } = await setup(
      { recognizer: new CodedSpeechRecognizer(vocabulary) },
      { reconnectPolicy: FAST_RECONNECT },
      (event, stream) => {
        if (event.type === 'error') for (const frame of frames.slice(10)) stream().pushAudio(frame);
      },
      // The drop follows "charlie", after the first turn's final result went out.
      [{ kind: 'ws_close', code: 1011, afterFrames: 10 }],
    );
    const stream = streams[0] as SttStream;
    for (const frame of frames.slice(0, 10)) stream.pushAudio(frame);
    await until(() => count(events, 'utterance_end') === 2);

    expect(
      events.filter((e) => e.type === 'final' || e.type === 'utterance_end').map(label),
    ).toEqual(['final:alpha bravo', 'utterance_end', 'final:charlie delta', 'utterance_end']);
    // Settled at 0.7 s (endpointing after "bravo"): one silent frame and "charlie" are replayed.
    expect(fake.connections[1]?.framesReceived).toBe(3 + 14);
  });

  it('reports a fatal error when reconnecting gives up', async () => {
    const { fake, stream, events } = await setup(
      {},
      { reconnectPolicy: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10, maxRetryAfterMs: 0 } },
      undefined,
      [
        { kind: 'ws_close', code: 1011, reason: 'NET-0000', afterFrames: 2 },
        { kind: 'status', status: 500 },
        { kind: 'status', status: 503 },
        { kind: 'status', status: 500 },
      ],
    );
    for (let i = 0; i < 2; i++) stream.pushAudio(toneFrame());
    await until(() => events.some((event) => event.type === 'error' && event.fatal));
    expect(
      events.filter((event) => event.type === 'error').map((e) => e.type === 'error' && e.fatal),
    ).toEqual([false, true]);
    const fatal = events.at(-1);
    expect(fatal).toMatchObject({
      error: { provider: 'deepgram', capability: 'stt', retryable: false },
    });
    expect(fake.rejectedHandshakes).toBe(2);
    stream.pushAudio(toneFrame());
    expect(fake.framesReceived).toBe(2);
  });

  it('gives up at once when the vendor refuses the reconnect for good', async () => {
    const { fake, stream, events } = await setup(
      {},
      { reconnectPolicy: FAST_RECONNECT },
      undefined,
      [
        { kind: 'ws_close', code: 1011, afterFrames: 1 },
        { kind: 'status', status: 400 },
      ],
    );
    stream.pushAudio(toneFrame());
    await until(() => events.some((event) => event.type === 'error' && event.fatal));
    expect(fake.rejectedHandshakes).toBe(1);
    expect(events.at(-1)).toMatchObject({ type: 'error', fatal: true, error: { status: 400 } });
  });
});

describe('DeepgramStt opening', () => {
  const open = (stt: DeepgramStt) => stt.openStream({ sampleRate: 16_000, onEvent: () => {} });

  it('rejects with a retryable ProviderError when the handshake is rate limited', async () => {
    fake = await startDeepgramFake();
    fake.faults.push({ kind: 'status', status: 429, retryAfterSeconds: 1 });
    const error = await open(new DeepgramStt({ apiKey: API_KEY, baseUrl: fake.url })).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'deepgram', status: 429, retryable: true });
    // One attempt only: the session fails over at once instead of waiting on Deepgram.
    expect(fake.rejectedHandshakes).toBe(1);
  });

  it('rejects with a final ProviderError on a bad key', async () => {
    fake = await startDeepgramFake({ apiKeys: ['the-right-key'] });
    const error = await open(new DeepgramStt({ apiKey: 'wrong', baseUrl: fake.url })).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 401, retryable: false });
  });

  it('rejects when the handshake hangs past the connect timeout', async () => {
    fake = await startDeepgramFake();
    fake.faults.push({ kind: 'hang' });
    const stt = new DeepgramStt({ apiKey: API_KEY, baseUrl: fake.url, connectTimeoutMs: 150 });
    const error = await open(stt).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(error.message).toMatch(/timed out/);
  });

  it('rejects when nothing listens', async () => {
    const closed = await startDeepgramFake();
    await closed.close();
    const error = await open(new DeepgramStt({ apiKey: API_KEY, baseUrl: closed.url })).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true });
  });
});
