/**
 * A full voice call over /v2/voice through the real adapters and official SDKs (Deepgram live,
 * Claude, OpenAI TTS), each pointed at its wire-faithful fake: transcripts, a reply, audio and
 * the stored records.
 */
import { startAnthropicFake, startDeepgramFake, startOpenAiFake } from '@atlas/fakes';
import type { HealthResponse } from '@atlas/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { pgliteTarget } from '../db/testing/test-databases.js';
import { normalizeTranscript } from './normalize-text.js';
import { type CallServer, sendPaced, startCallServer, storedCall } from './testing/call-server.js';
import { LOUD_FRAME, QUIET_FRAME } from './testing/voice-test-client.js';

let db: Database;
let atlas: CallServer;
const fakes: Array<{ close(): Promise<void> }> = [];
let anthropic: Awaited<ReturnType<typeof startAnthropicFake>>;
let deepgram: Awaited<ReturnType<typeof startDeepgramFake>>;
let openai: Awaited<ReturnType<typeof startOpenAiFake>>;

beforeAll(async () => {
  db = await pgliteTarget.open();
  deepgram = await startDeepgramFake({ script: ['what is the weather today'] });
  anthropic = await startAnthropicFake({ reply: () => 'It is sunny and warm. Take sunglasses.' });
  openai = await startOpenAiFake({});
  fakes.push(deepgram, anthropic, openai);
  atlas = await startCallServer(db, {
    DEEPGRAM_API_KEY: 'dg-test',
    DEEPGRAM_BASE_URL: deepgram.url,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: anthropic.url,
    OPENAI_API_KEY: 'sk-openai-test',
    OPENAI_BASE_URL: openai.baseURL,
  });
}, 60_000);

afterAll(async () => {
  await atlas.close();
  for (const fake of fakes) await fake.close();
  await db.close();
});

it('reports the vendor chains in /health', async () => {
  const health = (await (await fetch(`${atlas.server.url}/health`)).json()) as HealthResponse;
  expect(health.providers).toMatchObject({
    llm: 'anthropic>openai',
    stt: 'deepgram>pocketsphinx',
    tts: 'openai>espeak',
    voice: true,
  });
});

it('hears, answers, speaks and stores a turn', async () => {
  const { client, userId, sessionId, model } = await atlas.call();
  expect(model).toBe('claude-haiku-5-5');
  // ~1.2 s of "speech" (the fake reveals a scripted word per 200 ms), then silence to end the turn.
  const frames: Uint8Array[] = [...Array(12).fill(LOUD_FRAME), ...Array(20).fill(QUIET_FRAME)];
  const sending = sendPaced(client, frames);
  const final = await client.waitForType('final_transcript', 1, 15_000);
  expect(normalizeTranscript(final.text)).toBe('what is the weather today');
  expect(client.of('partial_transcript').length).toBeGreaterThan(0);
  const end = await client.waitForType('response_end', 1, 15_000);
  expect(end).toMatchObject({ text: 'It is sunny and warm. Take sunglasses.', interrupted: false });
  const metrics = await client.waitForType('turn_metrics');
  expect(metrics.llmTtftMs).not.toBeNull();
  expect(client.audioBytes).toBeGreaterThan(0);
  await sending;
  client.send({ type: 'session_end' });
  await client.waitForClose();

  // What reached the vendors, through their SDKs.
  const llmRequest = anthropic.requests.at(-1);
  expect(llmRequest?.body).toMatchObject({ model: 'claude-haiku-5-5', stream: true });
  expect(JSON.stringify(llmRequest?.body)).toContain('what is the weather today');
  expect(deepgram.connections.at(-1)?.query).toMatchObject({
    encoding: 'linear16',
    sample_rate: '16000',
  });

  expect(await atlas.server.records.flush(10_000)).toBe('written');
  const stored = await storedCall(db, userId);
  expect(stored.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  expect(normalizeTranscript(stored.messages[0]?.content ?? '')).toBe('what is the weather today');
  expect(stored.messages[1]?.content).toBe('It is sunny and warm. Take sunglasses.');
  const features = Object.fromEntries(stored.usage.map((u) => [u.feature, u]));
  expect(features.voice_stt?.model).toBe('nova-3');
  expect(features.voice_llm).toMatchObject({ model: 'claude-haiku-5-5' });
  expect(features.voice_llm?.tokens_output).toBeGreaterThan(0);
  expect(features.voice_tts?.model).toBe('tts-1');
  expect(stored.sessions).toEqual([
    expect.objectContaining({ id: sessionId, end_reason: 'client_ended' }),
  ]);
}, 60_000);

it('fails over from Claude to the OpenAI-compatible model when Claude keeps failing', async () => {
  anthropic.faults.push(...Array(6).fill({ kind: 'status', status: 529 }));
  const { client } = await atlas.call();
  client.send({ type: 'text', text: 'are you there' });
  const end = await client.waitForType('response_end', 1, 30_000);
  expect(end.text.length).toBeGreaterThan(0);
  expect(end.text).not.toMatch(/^Sorry/);
  const chat = openai.requests.filter((r) => r.path.endsWith('/chat/completions'));
  expect(chat.length).toBeGreaterThan(0);
  const metricsText = await (await fetch(`${atlas.server.url}/metrics`)).text();
  expect(metricsText).toMatch(
    /atlas_provider_failovers_total\{kind="llm",from="anthropic",to="openai"\} 1/,
  );
  expect(metricsText).toMatch(
    /atlas_provider_retries_total\{kind="llm",provider="anthropic"\} [1-9]/,
  );
}, 60_000);
