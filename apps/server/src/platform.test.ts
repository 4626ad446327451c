/**
 * The chat platform through the whole server (startServer): a streamed reply from the Anthropic
 * fake stored with its usage, per-user message limits shared by two instances through Redis,
 * CORS, and the monthly allowance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAnthropicFake } from '@atlas/fakes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import type { Database } from './db/database.js';
import { createTestUser, pgliteTarget } from './db/testing/test-databases.js';
import { createLogger } from './observability/logger.js';
import { type RunningServer, startServer } from './server.js';
import { signTestToken, TEST_JWT_SECRET } from './voice/testing/voice-harness.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function start(db: Database, env: Record<string, string>): Promise<RunningServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-platform-'));
  dirs.push(dataDir);
  const config = loadConfig({
    PORT: '0',
    ATLAS_DATA_DIR: dataDir,
    ATLAS_JWT_SECRET: TEST_JWT_SECRET,
    NODE_ENV: 'test',
    ...env,
  });
  return startServer(config, createLogger({ level: 'silent' }), { db });
}

async function userWithToken(db: Database, tier = 'free') {
  const user = await createTestUser(db);
  if (tier !== 'free')
    await db.asService((tx) =>
      tx.query('update public.profiles set tier = $1 where id = $2', [tier, user.id]),
    );
  return {
    id: user.id,
    headers: {
      authorization: `Bearer ${await signTestToken(user.id)}`,
      'content-type': 'application/json',
    },
  };
}

async function newConversation(url: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(`${url}/v1/conversations`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ title: 'Test' }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { conversation: { id: string } }).conversation.id;
}

function sseEvents(body: string): Array<{ event: string; data: unknown }> {
  return body
    .split('\n\n')
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      return event && data ? { event, data: JSON.parse(data) as unknown } : undefined;
    })
    .filter((e): e is { event: string; data: unknown } => e !== undefined);
}

describe('chat through the whole server', () => {
  let db: Database;
  let server: RunningServer;
  let anthropic: Awaited<ReturnType<typeof startAnthropicFake>>;

  beforeAll(async () => {
    db = await pgliteTarget.open();
    anthropic = await startAnthropicFake({ reply: () => 'Paris is the capital of France.' });
    server = await start(db, {
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: anthropic.url,
      CORS_ORIGINS: 'https://app.atlas.test',
      USAGE_LIMIT_CORE_USD: '0.000001',
    });
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await anthropic.close();
    await db.close();
  });

  it('streams a reply from Claude as SSE and stores it with its usage', async () => {
    const user = await userWithToken(db);
    const conversationId = await newConversation(server.url, user.headers);
    const response = await fetch(`${server.url}/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: user.headers,
      body: JSON.stringify({ content: 'What is the capital of France?' }),
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = sseEvents(await response.text());
    const deltas = events
      .filter((e) => e.event === 'delta')
      .map((e) => (e.data as { text: string }).text);
    expect(deltas.join('')).toBe('Paris is the capital of France.');
    const done = events.find((e) => e.event === 'done')?.data as {
      message: { content: string };
      usage: { outputTokens: number };
    };
    expect(done.message.content).toBe('Paris is the capital of France.');
    expect(done.usage.outputTokens).toBeGreaterThan(0);
    expect(anthropic.requests.at(-1)?.body).toMatchObject({
      model: 'claude-haiku-5-5',
      stream: true,
    });

    const { rows } = await db.asService((tx) =>
      tx.query<{ feature: string; model: string; tokens_output: number; cost_usd: string }>(
        'select feature, model, tokens_output, cost_usd::text from public.usage_events where user_id = $1',
        [user.id],
      ),
    );
    expect(rows).toEqual([
      expect.objectContaining({
        feature: 'chat',
        model: 'claude-haiku-5-5',
        tokens_output: done.usage.outputTokens,
      }),
    ]);
    expect(Number(rows[0]?.cost_usd)).toBeGreaterThan(0);
    const usage = (await (
      await fetch(`${server.url}/v1/usage?days=7`, { headers: user.headers })
    ).json()) as { totals: { totalUsd: number } };
    expect(usage.totals.totalUsd).toBeCloseTo(Number(rows[0]?.cost_usd), 8);
  });

  it('refuses a user over the monthly allowance with limit_reached and when it resets', async () => {
    const user = await userWithToken(db, 'core');
    const conversationId = await newConversation(server.url, user.headers);
    const send = () =>
      fetch(`${server.url}/v1/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: user.headers,
        body: JSON.stringify({ content: 'hello' }),
      });
    await (await send()).text(); // spends more than the tiny allowance
    const refused = await send();
    expect(refused.status).toBe(402);
    expect(await refused.json()).toMatchObject({
      code: 'limit_reached',
      details: { resetsAt: expect.any(String) },
    });
  });

  it('keeps the V1 voice path to the Studio tier, like V2', async () => {
    const user = await userWithToken(db, 'free');
    const refused = await fetch(`${server.url}/v1/voice/speak`, {
      method: 'POST',
      headers: user.headers,
      body: JSON.stringify({ text: 'hi' }),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'tier_required' });
  });

  it('refuses browser requests from foreign origins and serves listed ones', async () => {
    const user = await userWithToken(db);
    const foreign = await fetch(`${server.url}/v1/conversations`, {
      headers: { ...user.headers, origin: 'https://evil.test' },
    });
    expect(foreign.status).toBe(403);
    const listed = await fetch(`${server.url}/v1/conversations`, {
      headers: { ...user.headers, origin: 'https://app.atlas.test' },
    });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.atlas.test');
    const noOrigin = await fetch(`${server.url}/v1/conversations`);
    expect(noOrigin.status).toBe(401);
  });
});

describe.skipIf(!process.env.TEST_REDIS_URL)(
  'message limits across instances (Redis; runs when TEST_REDIS_URL is set)',
  () => {
    it('the 21st message in a minute from a free user gets 429 with retry-after, on a second instance too', async () => {
      const db = await pgliteTarget.open();
      const redisUrl = process.env.TEST_REDIS_URL as string;
      const a = await start(db, { REDIS_URL: redisUrl });
      const b = await start(db, { REDIS_URL: redisUrl });
      try {
        const user = await userWithToken(db);
        const conversationId = await newConversation(a.url, user.headers);
        const send = (url: string) =>
          fetch(`${url}/v1/conversations/${conversationId}/messages`, {
            method: 'POST',
            headers: user.headers,
            body: JSON.stringify({ content: 'hi' }),
          });
        for (let i = 0; i < 20; i++) {
          const response = await send(a.url);
          expect(response.status).toBe(200);
          await response.text();
        }
        const refused = await send(b.url);
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(refused.headers.get('x-ratelimit-limit')).toBe('20');
        expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
        expect(await refused.json()).toMatchObject({ code: 'rate_limited' });
      } finally {
        await a.close();
        await b.close();
        await db.close();
      }
    }, 60_000);
  },
);
