/**
 * Durable records of a voice call, through the whole server (startServer with the in-process
 * providers) on PGlite and real PostgreSQL: the messages, usage events and voice session row
 * are stored with the right costs, also when the database is down during the call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { createTestUser, databaseTargets } from '../db/testing/test-databases.js';
import { createLogger } from '../observability/logger.js';
import { FakeLlmProvider } from '../providers/llm/testing/fake-llm.js';
import { FakeSttProvider } from '../providers/stt/testing/fake-stt.js';
import { FakeTtsProvider } from '../providers/tts/testing/fake-tts.js';
import { type RunningServer, startServer } from '../server.js';
import { FlakyDatabase } from './records/testing/flaky-database.js';
import { storedCall } from './testing/call-server.js';
import { signTestToken, TEST_JWT_SECRET } from './testing/voice-harness.js';
import { VoiceTestClient } from './testing/voice-test-client.js';

const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe.each(databaseTargets())('voice records on $name', (target) => {
  let inner: Database;
  let db: FlakyDatabase;
  let server: RunningServer;
  const stt = new FakeSttProvider({ framesPerWord: 1, silenceFramesToEnd: 3 });

  beforeAll(async () => {
    inner = await target.open();
    db = new FlakyDatabase(inner);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-voice-records-'));
    dataDirs.push(dataDir);
    const config = loadConfig({
      PORT: '0',
      ATLAS_DATA_DIR: dataDir,
      ATLAS_JWT_SECRET: TEST_JWT_SECRET,
      NODE_ENV: 'test',
    });
    server = await startServer(config, createLogger({ level: 'silent' }), {
      db,
      voiceProviders: {
        stt,
        llm: new FakeLlmProvider({ reply: (r) => `Sure. You said ${r.messages.at(-1)?.content}.` }),
        tts: new FakeTtsProvider({ msPerCharacter: 5 }),
        sttModel: 'nova-3',
        ttsModel: 'tts-1',
      },
      voiceSettings: { stablePartialMs: 50 },
    });
  });
  afterEach(() => {
    db.down = false;
  });
  afterAll(async () => {
    await server.close();
    await inner.close();
  });

  async function studioCall() {
    const user = await createTestUser(inner);
    await inner.asService((tx) =>
      tx.query(`update public.profiles set tier = 'studio' where id = $1`, [user.id]),
    );
    const token = await signTestToken(user.id);
    const client = await VoiceTestClient.connect(`${server.url.replace('http', 'ws')}/v2/voice`);
    const started = await client.start(token);
    return { user, client, started };
  }

  it('stores the messages, usage events and the session row with the right costs', async () => {
    stt.hear(['what time is it']);
    const { user, client, started } = await studioCall();
    client.speak(4, 3);
    await client.waitForType('turn_metrics');
    client.send({ type: 'text', text: 'thanks' });
    await client.waitForType('turn_metrics', 2);
    client.send({ type: 'session_end' });
    const ended = await client.waitForType('session_ended');
    await client.waitForClose();
    expect(await server.records.flush()).toBe('written');

    const rows = await storedCall(inner, user.id);
    expect(rows.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'what time is it'],
      ['assistant', 'Sure. You said what time is it.'],
      ['user', 'thanks'],
      ['assistant', 'Sure. You said thanks.'],
    ]);
    expect(rows.messages[0]?.metadata).toMatchObject({
      voice_call: true,
      session_id: started.sessionId,
      confidence: 0.95,
    });
    expect(rows.messages[1]?.metadata).toMatchObject({
      voice_call: true,
      session_id: started.sessionId,
      interrupted: false,
    });
    expect(new Set(rows.usage.map((u) => u.feature))).toEqual(
      new Set(['voice_stt', 'voice_llm', 'voice_tts']),
    );
    const [session] = rows.sessions;
    expect(session).toMatchObject({
      id: started.sessionId,
      end_reason: 'client_ended',
      conversation_id: started.conversationId,
    });
    const usageTotal = rows.usage.reduce((sum, u) => sum + Number(u.cost_usd), 0);
    expect(usageTotal).toBeCloseTo(Number(session?.cost_usd), 7);
    expect(Number(session?.cost_usd)).toBeCloseTo(ended.costUsd, 7);
    expect(Number(session?.stt_seconds)).toBeCloseTo(0.7, 5); // 7 frames of 100 ms
    expect(session?.llm_output_tokens).toBe(
      rows.usage.filter((u) => u.feature === 'voice_llm').reduce((n, u) => n + u.tokens_output, 0),
    );
    // The splitter merges the short "Sure." into the next sentence: two sentences synthesised.
    expect(session?.tts_characters).toBe(
      'Sure. You said what time is it.'.length + 'Sure. You said thanks.'.length,
    );

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^atlas_voice_e2e_seconds_count(\{[^}]*\})? [1-9]/m);
    expect(metrics).toMatch(/^atlas_voice_llm_ttft_seconds_count(\{[^}]*\})? [1-9]/m);
    expect(metrics).toMatch(/^atlas_voice_sessions_closed_total\{code="1000"\} [1-9]/m);
    expect(metrics).toMatch(/^atlas_voice_sessions_started_total\{resumed="false"\} [1-9]/m);
  });

  it('keeps the conversation flowing while the database is down and writes everything when it returns', async () => {
    const { user, client, started } = await studioCall();
    db.down = true;
    client.send({ type: 'text', text: 'are you there' });
    const end = await client.waitForType('response_end');
    expect(end.text).toBe('Sure. You said are you there.');
    client.send({ type: 'session_end' });
    await client.waitForClose();
    expect(await server.records.flush(300)).not.toBe('written');
    expect(db.refused).toBeGreaterThan(0);
    expect((await storedCall(inner, user.id)).messages).toEqual([]);

    db.down = false;
    expect(await server.records.flush(10_000)).toBe('written');
    const rows = await storedCall(inner, user.id);
    expect(rows.messages.map((m) => m.content)).toEqual([
      'are you there',
      'Sure. You said are you there.',
    ]);
    expect(rows.sessions).toHaveLength(1);
    expect(rows.sessions[0]).toMatchObject({ id: started.sessionId, end_reason: 'client_ended' });
    expect(rows.usage.map((u) => u.feature).sort()).toEqual(['voice_llm', 'voice_tts']);
  });

  // Runs last: it shuts the server down.
  it('on shutdown tells live calls to resume elsewhere (1001) and flushes their records first', async () => {
    const { user, client, started } = await studioCall();
    client.send({ type: 'text', text: 'goodbye' });
    await client.waitForType('turn_metrics');
    await server.close();
    expect((await client.waitForClose()).code).toBe(1001);
    expect(client.of('error').at(-1)).toMatchObject({ code: 'server_shutdown', retryable: true });
    const rows = await storedCall(inner, user.id);
    expect(rows.messages.map((m) => m.content)).toEqual(['goodbye', 'Sure. You said goodbye.']);
    expect(rows.sessions[0]).toMatchObject({
      id: started.sessionId,
      end_reason: 'server_shutdown',
    });
  });
});
