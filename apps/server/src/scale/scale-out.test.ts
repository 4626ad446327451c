/**
 * Scale-out: three real Atlas processes (`node apps/server/dist/main.js`) behind a round-robin
 * TCP proxy, sharing PostgreSQL, Redis, the JWT secret and the fake providers. Proves that the
 * per-user session limit and the rate limits hold across instances, that a call goes on on
 * another instance, as the same session, when its instance stops (SIGTERM) or dies (SIGKILL),
 * and that every record reaches PostgreSQL exactly once.
 *
 * The tests run in order and share the cluster; each uses its own users.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPOOL_FILE } from '../voice/records/record-spool.js';
import { VoiceTestClient } from '../voice/testing/voice-test-client.js';
import { buildServer } from './testing/atlas-instance.js';
import { startCuttableInstance } from './testing/cuttable-instance.js';
import { ObservedCalls } from './testing/observed-calls.js';
import { plainRequest } from './testing/plain-http.js';
import { type ClusterUser, type ScaleCluster, startScaleCluster } from './testing/scale-cluster.js';
import { storedRecords, waitFor } from './testing/stored-records.js';

const adminDatabaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;

/**
 * Production trusts X-Forwarded-For; a made-up client address keeps this run's per-address
 * counters (in the shared Redis) its own.
 */
function madeUpClientAddress(): Record<string, string> {
  const octet = () => Math.floor(Math.random() * 250) + 1;
  return { 'x-forwarded-for': `10.${octet()}.${octet()}.${octet()}` };
}

describe.skipIf(!adminDatabaseUrl || !redisUrl)(
  'three instances behind a round-robin proxy (needs TEST_DATABASE_URL and TEST_REDIS_URL: instances share state only through a real PostgreSQL and Redis)',
  () => {
    let cluster: ScaleCluster;
    const observed = new ObservedCalls();

    beforeAll(async () => {
      await buildServer();
      cluster = await startScaleCluster({
        size: 3,
        adminDatabaseUrl: adminDatabaseUrl ?? '',
        redisUrl: redisUrl ?? '',
      });
    }, 120_000);

    afterAll(async () => {
      await cluster?.close();
    });

    /** Connects through the proxy; returns the client and the instance it reached. */
    async function connect(): Promise<{ client: VoiceTestClient; instance: number }> {
      const client = await VoiceTestClient.connect(cluster.wsUrl);
      return { client, instance: cluster.proxy.routed.at(-1) ?? -1 };
    }

    async function startCall(user: ClusterUser, extra: Record<string, unknown> = {}) {
      const { client, instance } = await connect();
      const started = await client.start(user.token, extra);
      observed.started(user.id, started.sessionId);
      return { client, instance, started };
    }

    it('refuses the 4th concurrent session of a user with 4029 though no instance holds 3', async () => {
      const user = await cluster.user('studio');
      const calls = [await startCall(user), await startCall(user), await startCall(user)];
      expect(new Set(calls.map((c) => c.instance))).toEqual(new Set([0, 1, 2]));
      for (const index of [0, 1, 2]) expect(await cluster.activeSessions(index)).toBe(1);

      const { client: fourth, instance } = await connect();
      expect(calls.map((c) => c.instance)).toContain(instance);
      fourth.send({ type: 'session_start', token: user.token });
      expect(await fourth.waitForType('error')).toMatchObject({ code: 'too_many_sessions' });
      expect((await fourth.waitForClose()).code).toBe(4029);

      // A slot freed on one instance is free on every instance.
      const [first, ...others] = calls;
      if (!first) throw new Error('no first call');
      expect(await observed.end(user.id, first.started.sessionId, first.client)).toBe(1000);
      const again = await startCall(user);
      expect(again.instance).not.toBe(first.instance);
      for (const call of [...others, again]) {
        expect(await observed.end(user.id, call.started.sessionId, call.client)).toBe(1000);
      }
    });

    it('holds the chat message limit (free: 20 a minute) across instances', async () => {
      const user = await cluster.user('free');
      const auth = { authorization: `Bearer ${user.token}` };
      const created = await plainRequest(`${cluster.proxy.url}/v1/conversations`, {
        method: 'POST',
        headers: auth,
        json: { title: 'scale' },
      });
      expect(created.status).toBe(201);
      const conversationId = (JSON.parse(created.body) as { conversation: { id: string } })
        .conversation.id;
      const url = `${cluster.proxy.url}/v1/conversations/${conversationId}/messages`;

      const firstRouted = cluster.proxy.routed.length;
      for (let i = 1; i <= 20; i++) {
        const sent = await plainRequest(url, {
          method: 'POST',
          headers: auth,
          json: { content: `message ${i}` },
        });
        expect(sent.status, sent.body).toBe(200);
      }
      const spread = cluster.proxy.routed.slice(firstRouted);
      expect(new Set(spread)).toEqual(new Set([0, 1, 2]));

      const refused = await plainRequest(url, {
        method: 'POST',
        headers: auth,
        json: { content: 'one more' },
      });
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'rate_limited' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

      // Every accepted message and its reply stored once; the refused one not at all.
      const stored = await storedRecords(cluster.db, user.id);
      expect(stored.messages.filter((m) => m.role === 'user')).toHaveLength(20);
      expect(stored.messages.filter((m) => m.role === 'assistant')).toHaveLength(20);
      expect(stored.messages.map((m) => m.content)).not.toContain('one more');
      expect(stored.usage.filter((u) => u.feature === 'chat')).toHaveLength(20);
    });

    it('holds the login limit (10 per address and email in 5 minutes) across instances', async () => {
      const headers = madeUpClientAddress();
      const email = `scale-${randomUUID()}@example.test`;
      const attempt = () =>
        plainRequest(`${cluster.proxy.url}/auth/v1/token?grant_type=password`, {
          method: 'POST',
          headers,
          json: { email, password: 'wrong password' },
        });
      const firstRouted = cluster.proxy.routed.length;
      for (let i = 0; i < 10; i++) expect((await attempt()).status).toBe(400);
      expect(new Set(cluster.proxy.routed.slice(firstRouted))).toEqual(new Set([0, 1, 2]));
      const refused = await attempt();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('holds the sign-up limit (10 per address an hour) across instances', async () => {
      const headers = madeUpClientAddress();
      const signUp = () =>
        plainRequest(`${cluster.proxy.url}/auth/v1/signup`, {
          method: 'POST',
          headers,
          json: { email: `scale-${randomUUID()}@example.test`, password: 'correct horse battery' },
        });
      const firstRouted = cluster.proxy.routed.length;
      for (let i = 0; i < 10; i++) {
        const response = await signUp();
        expect(response.status, response.body).toBe(200);
      }
      expect(new Set(cluster.proxy.routed.slice(firstRouted))).toEqual(new Set([0, 1, 2]));
      const refused = await signUp();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('SIGTERM: a live call is told to resume elsewhere and resumes on another instance with its ticket', async () => {
      const user = await cluster.user('studio');
      const call = await startCall(user);
      const { sessionId, conversationId } = call.started;
      await observed.speak(user.id, sessionId, call.client, ['hello', 'atlas']);

      const exit = await cluster.instances[call.instance]?.stop('SIGTERM');
      expect(await call.client.waitForType('error')).toMatchObject({ retryable: true });
      expect((await call.client.waitForClose()).code).toBe(1001);
      expect(exit?.code).toBe(0);

      const resumed = await startCall(user, { resumeSessionId: sessionId });
      expect(resumed.instance).not.toBe(call.instance);
      expect(resumed.started).toMatchObject({ resumed: true, sessionId, conversationId });
      await observed.type(user.id, sessionId, resumed.client, 'plan my trip');
      // The reply on the new instance knew the first turn: the ticket carried the history.
      expect(JSON.stringify(cluster.anthropic.requests.at(-1)?.body)).toContain('hello atlas');
      expect(await observed.end(user.id, sessionId, resumed.client)).toBe(1000);
      await cluster.restart(call.instance);
    });

    /** The SIGKILL scenario's two sessions: the killed one and the one the caller got next. */
    let afterKill: { killed: string; next: { sessionId: string; resumed: boolean } } | undefined;

    it('SIGKILL: the caller reconnects through the proxy to a live instance and the conversation goes on', async () => {
      const user = await cluster.user('studio');
      const call = await startCall(user);
      const { sessionId, conversationId } = call.started;
      await observed.speak(user.id, sessionId, call.client, [
        'what',
        'is',
        'the',
        'weather',
        'today',
      ]);
      // A killed instance leaves only what its background writer had committed: wait for it.
      const flushed = await waitFor(async () => {
        const stored = await storedRecords(cluster.db, user.id);
        return stored.messages.length === 2 && stored.usage.some((u) => u.feature === 'voice_llm');
      });
      expect(flushed).toBe(true);

      expect((await cluster.instances[call.instance]?.stop('SIGKILL'))?.signal).toBe('SIGKILL');
      expect((await call.client.waitForClose()).code).toBe(1006);

      // As the web client does: resume the session, naming its conversation as the fallback.
      const next = await startCall(user, { resumeSessionId: sessionId, conversationId });
      afterKill = { killed: sessionId, next: next.started };
      expect(next.instance).not.toBe(call.instance);
      expect(next.started.conversationId).toBe(conversationId);
      await observed.type(user.id, next.started.sessionId, next.client, 'plan my trip');
      expect(JSON.stringify(cluster.anthropic.requests.at(-1)?.body)).toContain(
        'what is the weather today',
      );
      expect(await observed.end(user.id, next.started.sessionId, next.client)).toBe(1000);
      // Same data dir: whatever its writer had spooled is replayed now (and must not duplicate).
      await cluster.restart(call.instance);
    });

    // The session's standing resume ticket (saved at start, refreshed after every turn and
    // with its heartbeat) outlives the killed instance, so the caller gets the same session.
    it('SIGKILL: the caller resumes the very same session with its resume ticket', () => {
      expect(afterKill?.next).toMatchObject({ resumed: true, sessionId: afterKill?.killed });
    });

    it('records spooled while PostgreSQL was unreachable are written when the instance restarts on its data dir', async () => {
      const cuttable = await startCuttableInstance(cluster);
      try {
        const user = await cluster.user('studio');
        const client = await VoiceTestClient.connect(cuttable.wsUrl());
        const { sessionId } = await client.start(user.token);
        observed.started(user.id, sessionId);

        await cuttable.database.cut();
        await observed.type(user.id, sessionId, client, 'plan my trip');
        // Shutdown cannot write the records, so it spools them under ATLAS_DATA_DIR.
        await cuttable.instance.stop('SIGTERM');
        expect(await observed.ended(user.id, sessionId, client)).toBe(1001);
        const spool = path.join(cuttable.env.ATLAS_DATA_DIR ?? '', 'spool', SPOOL_FILE);
        expect(existsSync(spool)).toBe(true);
        expect((await storedRecords(cluster.db, user.id)).messages).toEqual([]);

        await cuttable.database.restore();
        const restarted = await cuttable.restart();
        const replayed = await waitFor(
          async () => (await storedRecords(cluster.db, user.id)).messages.length === 2,
        );
        expect(replayed, restarted.output).toBe(true);
      } finally {
        await cuttable.close();
      }
    });

    it('calls on every instance: each message, usage event and session row is in PostgreSQL exactly once', async () => {
      const users = [
        await cluster.user('studio'),
        await cluster.user('studio'),
        await cluster.user('studio'),
      ];
      const calls = [];
      for (const user of users) calls.push({ user, ...(await startCall(user)) });
      expect(new Set(calls.map((c) => c.instance))).toEqual(new Set([0, 1, 2]));
      await Promise.all(
        calls.map(async ({ user, client, started }) => {
          await observed.speak(user.id, started.sessionId, client, ['plan', 'my', 'trip']);
          await observed.type(user.id, started.sessionId, client, 'what is the weather today');
          expect(await observed.end(user.id, started.sessionId, client)).toBe(1000);
        }),
      );

      for (const [userId, expected] of observed.users) {
        const sessionIds = [...expected.sessions.keys()].sort();
        const complete = await waitFor(async () => {
          const stored = await storedRecords(cluster.db, userId);
          return (
            stored.messages.length === expected.messages.length &&
            stored.sessions.length === sessionIds.length &&
            stored.sessions.every((row) => {
              const seen = expected.sessions.get(row.id);
              return seen?.endedCostUsd === undefined || row.end_reason !== null;
            })
          );
        }, 15_000);
        const stored = await storedRecords(cluster.db, userId);
        expect(complete, JSON.stringify({ stored, expected: expected.messages })).toBe(true);
        expect(stored.messages.map(({ role, content }) => ({ role, content }))).toEqual(
          expected.messages,
        );
        expect(stored.sessions.map((row) => row.id).sort()).toEqual(sessionIds);
        for (const row of stored.sessions) {
          const seen = expected.sessions.get(row.id);
          if (seen === undefined) throw new Error(`unexpected session ${row.id}`);
          const usage = stored.usage.filter((u) => u.session_id === row.id);
          expect(usage.filter((u) => u.feature === 'voice_llm')).toHaveLength(seen.replies);
          expect(usage.filter((u) => u.feature === 'voice_tts')).toHaveLength(seen.replies);
          if (seen.endedCostUsd === undefined) {
            // Killed mid-call: its row still says "in progress"; nothing was written twice.
            expect(row.end_reason).toBeNull();
            continue;
          }
          expect(row.end_reason).toBe(seen.endReason);
          expect(row.cost_usd).toBeCloseTo(seen.endedCostUsd, 6);
          // Each cost once: the events add up to the session's cost, not to a multiple of it.
          expect(usage.reduce((sum, u) => sum + u.cost_usd, 0)).toBeCloseTo(seen.endedCostUsd, 5);
        }
      }
    });
  },
);
