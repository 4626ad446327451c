import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REALISTIC_PROFILE } from '../profiles.js';
import { CodedSpeechRecognizer, codedSpeech, silence, toneFrame } from './coded-speech.js';
import { type DeepgramFake, type DeepgramFakeOptions, startDeepgramFake } from './deepgram-fake.js';
import { LiveTranscriber, type LiveTranscriberConfig } from './live-transcriber.js';
import type { DeepgramLiveMessage, ResultsMessage } from './messages.js';
import { ScriptRecognizer } from './recognizer.js';
import { encodeWav } from './transcribe-file.js';

const QUERY =
  'model=nova-3&encoding=linear16&sample_rate=16000&channels=1&interim_results=true' +
  '&endpointing=300&utterance_end_ms=1000&vad_events=true&smart_format=true';

let fake: DeepgramFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: DeepgramFakeOptions = {}): Promise<DeepgramFake> {
  fake = await startDeepgramFake(options);
  return fake;
}

const wsUrl = (f: DeepgramFake, query = QUERY) =>
  `${f.url.replace('http', 'ws')}/v1/listen?${query}`;

/** Opens a socket the way the SDK does (Token header), collecting JSON messages. */
async function open(f: DeepgramFake, query = QUERY, headers = { Authorization: 'Token test-key' }) {
  const ws = new WebSocket(wsUrl(f, query), { headers });
  const messages: DeepgramLiveMessage[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (data, isBinary) => {
    expect(isBinary).toBe(false); // JSON only ever travels as text frames
    messages.push(JSON.parse(data.toString()) as DeepgramLiveMessage);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, closed };
}

/** Resolves with the HTTP answer to a refused upgrade. */
function refusedUpgrade(url: string, options: WebSocket.ClientOptions = {}) {
  return new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>(
    (resolve, reject) => {
      const ws = new WebSocket(url, options);
      ws.on('open', () => reject(new Error('upgrade was accepted')));
      ws.on('error', () => {});
      ws.on('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      });
    },
  );
}

const results = (messages: DeepgramLiveMessage[]) =>
  messages.filter((m): m is ResultsMessage => m.type === 'Results');
const transcriptOf = (m: ResultsMessage) => m.channel.alternatives[0]?.transcript;

describe('Deepgram fake: handshake', () => {
  it('answers 401 with dg-error when the credential is missing or unknown', async () => {
    const f = await start({ apiKeys: ['right'] });
    const missing = await refusedUpgrade(wsUrl(f));
    expect(missing.status).toBe(401);
    expect(missing.headers['dg-error']).toBe('Invalid credentials.');
    expect(missing.headers['dg-request-id']).toBeTruthy();
    expect(JSON.parse(missing.body)).toMatchObject({ err_code: 'INVALID_AUTH' });
    const wrong = await refusedUpgrade(wsUrl(f), { headers: { Authorization: 'Token wrong' } });
    expect(wrong.status).toBe(401);
    expect(f.rejectedHandshakes).toBe(2);
    expect(f.connections).toHaveLength(0);
  });

  it('accepts Token and Bearer headers and the browser subprotocol pair', async () => {
    const f = await start({ apiKeys: ['right'] });
    const token = await open(f, QUERY, { Authorization: 'Token right' });
    const bearer = await open(f, QUERY, { Authorization: 'Bearer right' });
    const ws = new WebSocket(wsUrl(f), ['token', 'right']);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('token');
    expect(f.connections.map((c) => c.credential)).toEqual(['right', 'right', 'right']);
    expect(f.connections[0]?.query).toMatchObject({ encoding: 'linear16', sample_rate: '16000' });
    for (const socket of [token.ws, bearer.ws, ws]) socket.close();
  });

  it('refuses audio it cannot decode and applies queued handshake faults', async () => {
    const f = await start();
    const headers = { Authorization: 'Token k' };
    const opus = await refusedUpgrade(wsUrl(f, 'model=nova-3&encoding=opus'), { headers });
    expect(opus.status).toBe(400);
    f.faults.push({ kind: 'status', status: 429, retryAfterSeconds: 2 });
    const limited = await refusedUpgrade(wsUrl(f), { headers });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    expect(limited.headers['dg-error']).toContain('429');
    // The fault was consumed: the next connection opens.
    const next = await open(f);
    next.ws.close();
    expect(f.faults.pending).toBe(0);
  });

  it('leaves a hung handshake unanswered', async () => {
    const f = await start();
    f.faults.push({ kind: 'hang' });
    const ws = new WebSocket(wsUrl(f), {
      headers: { Authorization: 'Token k' },
      handshakeTimeout: 150,
    });
    const error = await new Promise<Error>((resolve) => ws.on('error', resolve));
    expect(error.message).toMatch(/timed out/i);
    expect(f.connections).toHaveLength(0);
  });
});

describe('Deepgram fake: live stream', () => {
  it('sends SpeechStarted, growing interim results, a speech_final result and UtteranceEnd', async () => {
    const f = await start({ script: ['Hello there, friend.'], confidence: 0.91 });
    const { ws, messages, closed } = await open(f);
    for (let i = 0; i < 6; i++) ws.send(toneFrame());
    for (const frame of silence(12)) ws.send(frame);
    ws.send(JSON.stringify({ type: 'CloseStream' }));
    expect(await closed).toEqual({ code: 1000, reason: '' });

    expect(messages[0]).toEqual({ type: 'SpeechStarted', channel: [0], timestamp: 0 });
    const interim = results(messages).filter((m) => !m.is_final);
    expect(interim.map(transcriptOf)).toEqual([
      // one word per 200 ms of speech, an interim result per 100 ms frame
      'Hello',
      'Hello',
      'Hello there,',
      'Hello there,',
      'Hello there, friend.',
      'Hello there, friend.',
      // endpointing waits for 300 ms of silence; the first 200 ms still carry interim results
      'Hello there, friend.',
      'Hello there, friend.',
    ]);
    const final = results(messages).find((m) => m.is_final && transcriptOf(m));
    expect(final).toMatchObject({
      type: 'Results',
      channel_index: [0, 1],
      start: 0,
      duration: 0.9,
      is_final: true,
      speech_final: true,
      from_finalize: false,
      metadata: { model_info: { arch: 'nova-3' } },
    });
    const alternative = final?.channel.alternatives[0];
    expect(alternative?.confidence).toBe(0.91);
    expect(alternative?.words.map((w) => [w.word, w.punctuated_word])).toEqual([
      ['hello', 'Hello'],
      ['there', 'there,'],
      ['friend', 'friend.'],
    ]);
    expect(alternative?.words.at(-1)?.end).toBe(0.6);
    // The word gap reaches utterance_end_ms one second after the last word.
    const utteranceEnd = messages.findIndex((m) => m.type === 'UtteranceEnd');
    expect(messages[utteranceEnd]).toEqual({
      type: 'UtteranceEnd',
      channel: [0, 1],
      last_word_end: 0.6,
    });
    expect(messages.at(-1)).toMatchObject({ type: 'Metadata', duration: 1.8, channels: 1 });
    expect(f.script?.heard).toEqual(['Hello there, friend.']);
  });

  it('without punctuation sends bare lower-case words', async () => {
    const f = await start({ script: ['Good Morning!'] });
    const { ws, messages, closed } = await open(f, 'encoding=linear16&sample_rate=16000');
    for (let i = 0; i < 4; i++) ws.send(toneFrame());
    ws.send(JSON.stringify({ type: 'CloseStream' }));
    await closed;
    // No interim_results: only final results; no vad_events: no SpeechStarted.
    expect(messages.map((m) => m.type)).toEqual(['Results', 'Metadata']);
    expect(transcriptOf(results(messages)[0] as ResultsMessage)).toBe('good morning');
  });

  it('answers Finalize with from_finalize results and keeps the connection open', async () => {
    const f = await start({ script: ['one two three four'] });
    const { ws, messages } = await open(f);
    for (let i = 0; i < 3; i++) ws.send(toneFrame());
    ws.send(JSON.stringify({ type: 'Finalize' }));
    await waitUntil(() => results(messages).some((m) => m.from_finalize));
    const final = results(messages).find((m) => m.from_finalize);
    expect(final).toMatchObject({ is_final: true, from_finalize: true, start: 0, duration: 0.3 });
    expect(transcriptOf(final as ResultsMessage)).toBe('one two three four');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(f.connections[0]?.finalizes).toBe(1);
    // Nothing pending: Finalize still answers, with an empty from_finalize result.
    ws.send(JSON.stringify({ type: 'Finalize' }));
    await waitUntil(() => results(messages).filter((m) => m.from_finalize).length === 2);
    expect(transcriptOf(results(messages).at(-1) as ResultsMessage)).toBe('');
    ws.close();
  });

  it('never answers KeepAlive, which holds off the NET-0001 idle close', async () => {
    const f = await start({ idleTimeoutMs: 150 });
    const { ws, messages, closed } = await open(f);
    const timer = setInterval(() => ws.send(JSON.stringify({ type: 'KeepAlive' })), 30);
    await waitUntil(() => (f.connections[0]?.keepAlives ?? 0) >= 8);
    clearInterval(timer);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(messages).toEqual([]);
    expect(await closed).toEqual({ code: 1011, reason: 'NET-0001' });
    expect(f.connections[0]?.closed).toMatchObject({ code: 1011, by: 'server' });
  });

  it('closes with the queued code after N audio frames, dropping what was not sent', async () => {
    const f = await start({ script: ['never finished'], profile: REALISTIC_PROFILE });
    f.faults.push({ kind: 'ws_close', code: 1011, reason: 'NET-0000', afterFrames: 3 });
    const { ws, messages, closed } = await open(f);
    for (let i = 0; i < 5; i++) ws.send(toneFrame());
    expect(await closed).toEqual({ code: 1011, reason: 'NET-0000' });
    // The realistic profile lags results by 250 ms: none had gone out when the server failed.
    expect(results(messages)).toEqual([]);
    expect(f.connections[0]?.framesReceived).toBe(3);
    expect(f.script?.pending).toEqual(['never finished']);
  });

  it('treats an empty binary frame as CloseStream and answers unreadable text with an Error', async () => {
    const f = await start();
    const { ws, messages, closed } = await open(f);
    ws.send('not json');
    ws.send(Buffer.alloc(0));
    expect(await closed).toMatchObject({ code: 1000 });
    expect(messages[0]).toMatchObject({ type: 'Error', variant: 'SchemaError' });
    expect(messages.at(-1)).toMatchObject({ type: 'Metadata', duration: 0 });
    expect(f.connections[0]?.controlMessages).toEqual(['invalid']);
  });
});

describe('Deepgram fake: engine', () => {
  const config = (overrides: Partial<LiveTranscriberConfig>): LiveTranscriberConfig => ({
    requestId: 'r',
    sampleRate: 16_000,
    channels: 1,
    interimResults: true,
    endpointingMs: 300,
    speechFinal: true,
    utteranceEndMs: 1000,
    vadEvents: false,
    punctuate: true,
    partialEveryMs: 100,
    speechThreshold: 500,
    silenceResultMs: 1000,
    defaultConfidence: 0.9,
    recognizer: new ScriptRecognizer(),
    ...overrides,
  });

  it('hears exactly the coded words that arrive, and settles silence with empty finals', () => {
    const vocabulary = ['alpha', 'bravo', 'charlie'];
    const messages: DeepgramLiveMessage[] = [];
    const engine = new LiveTranscriber(
      config({ recognizer: new CodedSpeechRecognizer(vocabulary), interimResults: false }),
      (m) => messages.push(m),
    );
    const frames = codedSpeech(['alpha', 'alpha', 'charlie', 'bravo'], vocabulary);
    frames.splice(4, 2); // the third word never arrives
    for (const frame of [...frames, ...silence(15)]) engine.audio(frame);
    const finals = results(messages);
    expect(finals.map(transcriptOf)).toEqual(['alpha alpha bravo', '']);
    // The empty final covers the silence after the segment: spans are contiguous.
    expect(finals[1]).toMatchObject({ start: 0.9, duration: 1 });
  });

  it('without endpointing, segments are final but not speech_final', () => {
    const messages: DeepgramLiveMessage[] = [];
    const engine = new LiveTranscriber(
      config({ recognizer: new ScriptRecognizer(['first', 'second']), speechFinal: false }),
      (m) => messages.push(m),
    );
    for (const frame of [toneFrame(), ...silence(4), toneFrame(), ...silence(12)])
      engine.audio(frame);
    const finals = results(messages).filter((m) => m.is_final && transcriptOf(m));
    expect(finals.map((m) => [transcriptOf(m), m.speech_final])).toEqual([
      ['first', false],
      ['second', false],
    ]);
    expect(messages.filter((m) => m.type === 'UtteranceEnd')).toHaveLength(1);
  });
});

describe('Deepgram fake: pre-recorded', () => {
  it('transcribes a WAV upload into results.channels[0].alternatives[0]', async () => {
    const f = await start({ script: ['Turn on the lights.'] });
    const pcm = Buffer.concat([...silence(2), toneFrame(), toneFrame(), ...silence(5)]);
    const response = await fetch(`${f.url}/v1/listen?model=nova-3&smart_format=true`, {
      method: 'POST',
      headers: { Authorization: 'Token k', 'content-type': 'audio/wav' },
      body: encodeWav(pcm),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('dg-request-id')).toBeTruthy();
    const body = (await response.json()) as {
      metadata: { duration: number; channels: number; models: string[] };
      results: {
        channels: Array<{ alternatives: Array<{ transcript: string; confidence: number }> }>;
      };
    };
    expect(body.metadata).toMatchObject({ duration: 0.9, channels: 1 });
    expect(body.metadata.models).toHaveLength(1);
    expect(body.results.channels[0]?.alternatives[0]).toMatchObject({
      transcript: 'Turn on the lights.',
      confidence: 0.98,
    });
    expect(f.requests[0]).toMatchObject({ status: 200, query: { model: 'nova-3' } });
  });

  it('hears undecodable audio as the next utterance; answers 401 and queued faults', async () => {
    const f = await start({ script: ['from a webm file'] });
    const post = (headers: Record<string, string>) =>
      fetch(`${f.url}/v1/listen`, { method: 'POST', headers, body: new Uint8Array([1, 2, 3]) });
    expect((await post({})).status).toBe(401);
    f.faults.push({ kind: 'status', status: 503, retryAfterSeconds: 1 });
    const failed = await post({ Authorization: 'Token k' });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('1');
    expect(await failed.json()).toMatchObject({ err_code: 'FAKE_FAULT' });
    const ok = (await (await post({ Authorization: 'Token k' })).json()) as {
      results: { channels: Array<{ alternatives: Array<{ transcript: string }> }> };
    };
    expect(ok.results.channels[0]?.alternatives[0]?.transcript).toBe('from a webm file');
  });
});

/** Polls until `condition` holds (no wall-clock assertion: it only bounds the wait). */
async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
