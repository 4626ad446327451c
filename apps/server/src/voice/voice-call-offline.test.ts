/**
 * A full voice call over /v2/voice with the offline providers only (no keys): speech generated
 * with espeak-ng is recognised by PocketSphinx, answered by the offline responder and spoken by
 * espeak-ng; the records are stored. Needs the Debian packages espeak-ng, libpocketsphinx3 and
 * pocketsphinx-en-us (CI installs them); without them this fails and says what to install.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { pgliteTarget } from '../db/testing/test-databases.js';
import { synthesizeSpeech, toFrames } from '../providers/testing/speech-audio.js';
import { type CallServer, sendPaced, startCallServer, storedCall } from './testing/call-server.js';

let db: Database;
let atlas: CallServer;

beforeAll(async () => {
  db = await pgliteTarget.open();
  atlas = await startCallServer(db, {});
}, 60_000);

afterAll(async () => {
  await atlas?.close();
  await db.close();
});

it('hears espeak speech through PocketSphinx, answers offline and speaks with espeak', async () => {
  const health = (await (await fetch(`${atlas.server.url}/health`)).json()) as {
    providers: unknown;
  };
  expect(health.providers).toMatchObject({
    llm: 'offline',
    stt: 'pocketsphinx',
    tts: 'espeak',
    voice: true,
  });

  const { client, userId, sessionId, model } = await atlas.call();
  expect(model).toBe('offline');
  const speech = await synthesizeSpeech('hello world', 16_000, {
    noise: 30,
    wordsPerMinute: 150,
    leadingSilenceMs: 400,
    trailingSilenceMs: 1_500,
  });
  await sendPaced(client, toFrames(speech));
  const final = await client.waitForType('final_transcript', 1, 20_000);
  // The decoder adapts between utterances: the words may vary, but something was heard.
  expect(final.text.trim().length).toBeGreaterThan(0);
  expect(client.of('partial_transcript').length).toBeGreaterThan(0);
  const end = await client.waitForType('response_end', 1, 20_000);
  expect(end.text).toMatch(/offline responder/);
  expect(end.text).toContain(final.text.trim().split(/\s+/)[0] ?? '');
  const audioStart = client.of('audio_start')[0];
  expect(audioStart?.sampleRate).toBe(24_000);
  expect(client.audioBytes).toBeGreaterThan(24_000); // more than half a second of speech
  client.send({ type: 'session_end' });
  await client.waitForClose();

  expect(await atlas.server.records.flush(10_000)).toBe('written');
  const stored = await storedCall(db, userId);
  expect(stored.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  expect(stored.messages[0]?.content).toBe(final.text);
  expect(stored.messages[1]?.content).toBe(end.text);
  expect(new Set(stored.usage.map((u) => `${u.feature}:${u.model}`))).toEqual(
    new Set(['voice_stt:pocketsphinx', 'voice_llm:offline', 'voice_tts:espeak']),
  );
  expect(stored.usage.every((u) => Number(u.cost_usd) === 0)).toBe(true);
  expect(stored.sessions).toEqual([
    expect.objectContaining({ id: sessionId, end_reason: 'client_ended' }),
  ]);
}, 90_000);
