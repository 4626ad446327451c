/**
 * Soak: 200 sequential sessions (each talks, some are interrupted, some drop) leave no growth in
 * open handles, timers or the gateway's session maps.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VoiceHarness } from './testing/voice-harness.js';

let h: VoiceHarness;

beforeAll(async () => {
  h = await VoiceHarness.start({
    llm: { reply: () => 'Hello there. How can I help you today?' },
    // Audio paced in real time (about 80 ms a reply), so an interrupt lands mid-reply.
    tts: { msPerCharacter: 2, chunkMs: 20, realTimeFactor: 1 },
  });
});
afterAll(async () => {
  await h.close();
});

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 50 && (h.gateway.sessionCount > 0 || h.gateway.connectingCount > 0); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 100));
}

async function oneSession(index: number, userToken: string): Promise<void> {
  const client = await h.client();
  await client.start(userToken);
  client.send({ type: 'text', text: `question ${index}` });
  if (index % 5 === 0) {
    await client.waitForType('audio_start');
    client.send({ type: 'interrupt' });
    await client.waitForType('interrupted');
  } else {
    await client.waitForType('turn_metrics');
  }
  if (index % 7 === 0) {
    client.terminate(); // an unexpected drop: the session stays resumable, then expires
  } else {
    client.send({ type: 'session_end' });
    await client.waitForClose();
  }
}

it('200 sequential sessions leave no growth in handles, timers or session maps', async () => {
  const user = await h.user();
  for (let i = 0; i < 10; i++) await oneSession(i, user.token); // warm-up: pools, JIT, lazy modules
  await settle();
  const before = resources();

  for (let i = 10; i < 210; i++) await oneSession(i, user.token);
  await settle();
  const after = resources();

  expect(h.gateway.sessionCount).toBe(0);
  expect(h.gateway.connectingCount).toBe(0);
  expect(await h.limits.registry.count(user.id)).toBe(0);
  for (const type of new Set([...Object.keys(before), ...Object.keys(after)])) {
    // A couple of short-lived resources may be mid-flight at either sample; growth would be ~200.
    expect(after[type] ?? 0, `${type}: ${JSON.stringify({ before, after })}`).toBeLessThanOrEqual(
      (before[type] ?? 0) + 3,
    );
  }
  expect(h.stt.streams.filter((s) => !s.closed)).toHaveLength(0);
  expect(h.stt.streams.reduce((n, s) => n + s.pendingTimers, 0)).toBe(0);
}, 120_000);
