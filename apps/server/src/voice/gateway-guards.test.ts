/**
 * Voice gateway guards over a real WebSocket: session start, auth, tier, concurrency, frames,
 * rate, heartbeats, idle and duration limits, malformed messages; every close code, and the
 * user's session count released whichever way a session ends.
 */
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../db/database.js';
import { pgliteTarget } from '../db/testing/test-databases.js';
import { AtlasError } from '../errors.js';
import { createOriginPolicy } from '../http/security.js';
import { type HarnessOptions, TEST_JWT_SECRET, VoiceHarness } from './testing/voice-harness.js';
import { LOUD_FRAME } from './testing/voice-test-client.js';

let db: Database;
const harnesses: VoiceHarness[] = [];

beforeAll(async () => {
  db = await pgliteTarget.open();
});
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});
afterAll(async () => {
  await db.close();
});

async function harness(options: HarnessOptions = {}): Promise<VoiceHarness> {
  const h = await VoiceHarness.start({ db, ...options });
  harnesses.push(h);
  return h;
}

/** Session counts are released asynchronously after the close: poll until they settle. */
async function expectCount(h: VoiceHarness, userId: string, expected: number): Promise<void> {
  const deadline = Date.now() + 3_000;
  let count = await h.limits.registry.count(userId);
  while (count !== expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    count = await h.limits.registry.count(userId);
  }
  expect(count).toBe(expected);
}

describe('session start', () => {
  it('closes with 4001 when no session_start arrives in time', async () => {
    const h = await harness({ settings: { sessionStartTimeoutMs: 100 } });
    const client = await h.client();
    expect((await client.waitForClose()).code).toBe(4001);
    expect(client.of('error')[0]).toMatchObject({ code: 'session_start_timeout' });
  });

  it.each([
    ['garbage', async () => 'not-a-jwt'],
    ['expired', async (h: VoiceHarness, id: string) => h.token(id, { expiresInSeconds: -60 })],
    [
      'alg none',
      async (_h: VoiceHarness, id: string) => {
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString(
          'base64url',
        );
        const body = Buffer.from(
          JSON.stringify({
            sub: id,
            aud: 'authenticated',
            role: 'authenticated',
            exp: Math.floor(Date.now() / 1000) + 600,
          }),
        ).toString('base64url');
        return `${header}.${body}.`;
      },
    ],
    [
      'wrong secret',
      async (_h: VoiceHarness, id: string) =>
        new SignJWT({ role: 'authenticated' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(id)
          .setAudience('authenticated')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(`${TEST_JWT_SECRET}-other`)),
    ],
  ])('closes with 4001 for a %s token, without taking a session slot', async (_name, makeToken) => {
    const h = await harness();
    const user = await h.user('studio');
    const client = await h.client();
    client.send({ type: 'session_start', token: await makeToken(h, user.id) });
    expect((await client.waitForClose()).code).toBe(4001);
    expect(client.of('error')[0]?.code).toMatch(/^token_(invalid|expired)$/);
    await expectCount(h, user.id, 0);
  });

  it.each(['free', 'core'] as const)(
    'refuses the %s tier with 4003 and an upgrade message',
    async (tier) => {
      const h = await harness();
      const user = await h.user(tier);
      const client = await h.client();
      client.send({ type: 'session_start', token: user.token });
      expect((await client.waitForClose()).code).toBe(4003);
      expect(client.of('error')[0]).toMatchObject({
        code: 'tier_required',
        message: expect.stringMatching(/Upgrade to Studio/),
      });
      await expectCount(h, user.id, 0);
    },
  );

  it('refuses with 4008 and the reason when admission fails (the monthly limit is spent)', async () => {
    const h = await harness({
      admit: async () => {
        throw new AtlasError(
          'limit_reached',
          "You've used your monthly allowance; it resets on 2026-12-01.",
        );
      },
    });
    const user = await h.user('studio');
    const client = await h.client();
    client.send({ type: 'session_start', token: user.token });
    expect((await client.waitForClose()).code).toBe(4008);
    expect(client.of('error')[0]).toMatchObject({
      code: 'limit_reached',
      message: expect.stringMatching(/resets on/),
    });
    await expectCount(h, user.id, 0);
  });

  it('answers session_started with the session, model, limits and output format', async () => {
    const h = await harness();
    const user = await h.user();
    const client = await h.client();
    const started = await client.start(user.token);
    expect(started).toMatchObject({
      resumed: false,
      model: 'claude-haiku-5-5',
      limits: { maxDurationMs: 1_800_000, maxCostUsd: 5, budgetWarningFraction: 0.8 },
      audioOut: { encoding: 'linear16', sampleRate: 24000 },
    });
    await expectCount(h, user.id, 1);
  });

  it('refuses a WebSocket upgrade from a browser origin outside the allowlist', async () => {
    const h = await harness({ isOriginAllowed: createOriginPolicy(['https://app.atlas.test']) });
    const refused = new WebSocket(h.url, { headers: { origin: 'https://evil.test' } });
    const status = await new Promise<number | undefined>((resolve) => {
      refused.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      refused.on('open', () => resolve(101));
      refused.on('error', () => {});
    });
    expect(status).toBe(403);
    const allowed = new WebSocket(h.url, { headers: { origin: 'https://app.atlas.test' } });
    await new Promise<void>((resolve, reject) => {
      allowed.on('open', () => resolve());
      allowed.on('error', reject);
    });
    allowed.terminate();
    const native = await h.client(); // no Origin (native apps, servers): allowed, token still required
    expect(native.open).toBe(true);
  });

  it('closes with 4000 after repeated malformed messages before the start', async () => {
    const h = await harness();
    const client = await h.client();
    for (let i = 0; i < 5; i++) client.sendRaw('{oops');
    expect((await client.waitForClose()).code).toBe(4000);
  });
});

describe('concurrency', () => {
  it('allows three sessions per user, refuses the fourth with 4029, and frees a slot when one ends', async () => {
    const h = await harness();
    const user = await h.user();
    const clients = await Promise.all([h.client(), h.client(), h.client()]);
    for (const client of clients) await client.start(user.token);
    const fourth = await h.client();
    fourth.send({ type: 'session_start', token: user.token });
    expect((await fourth.waitForClose()).code).toBe(4029);
    expect(fourth.of('error')[0]).toMatchObject({ code: 'too_many_sessions' });

    clients[0]?.send({ type: 'session_end' });
    await clients[0]?.waitForClose();
    await expectCount(h, user.id, 2);
    const fifth = await h.client();
    await fifth.start(user.token);
    const other = await h.user();
    await (await h.client()).start(other.token); // other users are not affected
  });
});

describe.skipIf(!process.env.TEST_REDIS_URL)(
  'concurrency across instances (Redis; runs when TEST_REDIS_URL is set)',
  () => {
    it("counts a user's sessions on every gateway sharing Redis", async () => {
      const redisUrl = process.env.TEST_REDIS_URL as string;
      const { connectRedis } = await import('../cache/redis-connection.js');
      const redis = await connectRedis(redisUrl);
      try {
        const keyPrefix = `test:${crypto.randomUUID()}`;
        const a = await harness({ redis, keyPrefix });
        const b = await harness({ redis, keyPrefix });
        const user = await a.user();
        await (await a.client()).start(user.token);
        await (await a.client()).start(user.token);
        const third = await b.client();
        await third.start(user.token);
        const fourth = await b.client();
        fourth.send({ type: 'session_start', token: user.token });
        expect((await fourth.waitForClose()).code).toBe(4029);
        third.send({ type: 'session_end' });
        await third.waitForClose();
        await expectCount(b, user.id, 2);
        await (await b.client()).start(user.token);
      } finally {
        for (const h of harnesses.splice(0)) await h.close();
        redis.disconnect();
      }
    });
  },
);

describe('audio frames', () => {
  it('drops malformed frames with bad_audio_chunk and keeps the session', async () => {
    const h = await harness();
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    for (const size of [99, 3201, 102_401, 500_000]) client.sendAudio(new Uint8Array(size));
    client.sendAudio(new Uint8Array(100));
    client.sendAudio(new Uint8Array(102_400));
    client.send({ type: 'ping', id: 42 });
    await client.waitForType('pong');
    expect(client.of('error').map((e) => e.code)).toEqual([
      'bad_audio_chunk',
      'bad_audio_chunk',
      'bad_audio_chunk',
      'bad_audio_chunk',
    ]);
    expect(client.of('pong')[0]?.id).toBe(42);
    expect(h.stt.lastStream?.frames.length).toBe(2);
  });

  it('closes with 4029 when frames exceed 100 per second over 2 s', async () => {
    const h = await harness();
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    for (let i = 0; i < 201; i++) client.sendAudio(new Uint8Array(320));
    expect((await client.waitForClose()).code).toBe(4029);
    expect(client.of('error').at(-1)).toMatchObject({ code: 'rate_limited' });
    await expectCount(h, user.id, 0);
  });

  it('keeps audio sent right after session_start, before session_started', async () => {
    const h = await harness({ stt: { utterances: ['hello'] } });
    const user = await h.user();
    const client = await h.client();
    client.send({ type: 'session_start', token: user.token });
    client.sendAudio(LOUD_FRAME);
    await client.waitForType('session_started');
    await client.waitForType('partial_transcript');
    expect(h.stt.lastStream?.frames.length).toBe(1);
  });
});

describe('ending a session, and the slot released each way', () => {
  it('session_end: session_ended then 1000', async () => {
    const h = await harness();
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    client.send({ type: 'session_end' });
    expect((await client.waitForClose()).code).toBe(1000);
    expect(client.of('session_ended')[0]).toMatchObject({ reason: 'client_ended' });
    await expectCount(h, user.id, 0);
  });

  it('client disconnect', async () => {
    const h = await harness();
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    client.terminate();
    await expectCount(h, user.id, 0);
  });

  it('no pong to the server ping: connection dropped', async () => {
    const h = await harness({ settings: { pingIntervalMs: 50, pongTimeoutMs: 50 } });
    const user = await h.user();
    const client = await h.client({ autoPong: false });
    await client.start(user.token);
    await client.waitForClose();
    await expectCount(h, user.id, 0);
  });

  it('a client answering pings stays connected', async () => {
    const h = await harness({ settings: { pingIntervalMs: 30, pongTimeoutMs: 30 } });
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    await new Promise((r) => setTimeout(r, 300));
    expect(client.open).toBe(true);
  });

  it('idle for the idle timeout: 4009', async () => {
    const h = await harness({ settings: { idleTimeoutMs: 150 } });
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    expect((await client.waitForClose()).code).toBe(4009);
    expect(client.of('error')[0]).toMatchObject({ code: 'idle_timeout' });
    await expectCount(h, user.id, 0);
  });

  it('activity postpones the idle timeout', async () => {
    const h = await harness({ settings: { idleTimeoutMs: 200 } });
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 60));
      client.send({ type: 'ping', id: i });
    }
    expect(client.open).toBe(true);
    expect((await client.waitForClose()).code).toBe(4009);
  });

  it('maximum duration: 4008', async () => {
    const h = await harness({ settings: { maxDurationMs: 200 } });
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    expect((await client.waitForClose()).code).toBe(4008);
    expect(client.of('error')[0]).toMatchObject({ code: 'limit_reached' });
    await expectCount(h, user.id, 0);
  });

  it('repeated malformed messages during the session: 4000', async () => {
    const h = await harness();
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    client.sendRaw('not json');
    client.send({ type: 'launch' });
    client.send({ type: 'text', text: '' });
    await client.waitForType('error', 3);
    expect(client.open).toBe(true);
    client.sendRaw('[]');
    client.sendRaw('{}');
    expect((await client.waitForClose()).code).toBe(4000);
    await expectCount(h, user.id, 0);
  });

  it('speech recognition failing for good: the user is told and the call stays up for typing', async () => {
    const h = await harness({ stt: { failAfterFrames: 1 } });
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    client.sendAudio(LOUD_FRAME);
    const error = await client.waitForType('error');
    expect(error).toMatchObject({
      code: 'provider_unavailable',
      message: expect.stringMatching(/still type/),
    });
    client.send({ type: 'text', text: 'typed instead' });
    await client.waitForType('response_end');
    expect(client.open).toBe(true);
    await expectCount(h, user.id, 1);
  });

  it('speech recognition unreachable at the start: the session starts, says so, and takes typed turns', async () => {
    const h = await harness();
    h.stt.failOpen = new Error('connect ECONNREFUSED');
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    expect((await client.waitForType('error')).code).toBe('provider_unavailable');
    client.send({ type: 'text', text: 'hello' });
    await client.waitForType('response_end');
  });

  it('server shutdown: error then 1001 so the client resumes elsewhere', async () => {
    const h = await harness();
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    await h.gateway.shutdown();
    expect((await client.waitForClose()).code).toBe(1001);
    expect(client.of('error')[0]).toMatchObject({ code: 'server_shutdown', retryable: true });
    expect(await h.limits.registry.count(user.id)).toBe(0);
  });
});

describe('session slot lease', () => {
  it('takes the slot again when its lease lapsed under a live session', async () => {
    const h = await harness({ sessionTtlMs: 90 });
    const user = await h.user();
    const client = await h.client();
    const { sessionId } = await client.start(user.token);
    await h.limits.registry.release(user.id, sessionId); // as if the lease expired in Redis
    await expectCount(h, user.id, 1);
    expect(client.open).toBe(true);
  });
});

describe('budget', () => {
  async function costOfOneTurn(): Promise<number> {
    const h = await harness();
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    client.send({ type: 'text', text: 'tell me something' });
    return (await client.waitForType('usage')).costUsd;
  }

  it('warns once at 80 % and ends with 4008 at 100 %', async () => {
    const perTurn = await costOfOneTurn();
    expect(perTurn).toBeGreaterThan(0);
    const h = await harness({ settings: { maxCostUsd: perTurn / 0.9 } });
    const user = await h.user();
    const client = await h.client();
    await client.start(user.token);
    client.send({ type: 'text', text: 'tell me something' });
    const warning = await client.waitForType('budget_warning');
    expect(warning.limitUsd).toBeCloseTo(perTurn / 0.9, 8);
    await client.waitForType('usage');
    expect(client.open).toBe(true);
    client.send({ type: 'text', text: 'tell me something' });
    expect((await client.waitForClose()).code).toBe(4008);
    expect(client.of('budget_warning')).toHaveLength(1);
    expect(client.of('error').at(-1)).toMatchObject({ code: 'limit_reached' });
    await expectCount(h, user.id, 0);
  });

  it('a session resumed with its budget already spent ends at once with 4008', async () => {
    const h = await harness({ settings: { maxCostUsd: 0.01 } });
    const user = await h.user();
    const sessionId = crypto.randomUUID();
    const spent = {
      costUsd: 0.02,
      sttSeconds: 0,
      llmInputTokens: 1000,
      llmOutputTokens: 4000,
      ttsCharacters: 0,
      sttCostUsd: 0,
      llmCostUsd: 0.02,
      ttsCostUsd: 0,
      cancelledLlmInputTokens: 0,
      cancelledLlmOutputTokens: 0,
    };
    await h.limits.resumeStore.checkpoint(
      {
        sessionId,
        userId: user.id,
        state: {
          conversationId: crypto.randomUUID(),
          startedAt: Date.now(),
          cost: spent,
          turnCount: 1,
          history: [],
        },
      },
      'an-earlier-run',
    );
    const client = await h.client();
    client.send({ type: 'session_start', token: user.token, resumeSessionId: sessionId });
    expect((await client.waitForClose()).code).toBe(4008);
    expect(client.of('session_started')[0]).toMatchObject({ resumed: true, sessionId });
    expect(client.of('error').at(-1)).toMatchObject({ code: 'limit_reached' });
    await expectCount(h, user.id, 0);
  });
});
