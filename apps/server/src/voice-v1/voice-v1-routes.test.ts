import { sttCost, ttsCost } from '@atlas/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../auth/token-verifier.js';
import type { Database } from '../db/database.js';
import { createTestUser, databaseTargets } from '../db/testing/test-databases.js';
import { errorHandler } from '../http/error-handler.js';
import type { BatchSttProvider, BatchTranscriptionRequest } from '../providers/stt/batch-stt.js';
import { FakeTtsProvider } from '../providers/tts/testing/fake-tts.js';
import { UsageService } from '../usage/usage-service.js';
import { signTestToken, TEST_JWT_SECRET } from '../voice/testing/voice-harness.js';
import { MAX_AUDIO_UPLOAD_BYTES, voiceV1Routes } from './voice-v1-routes.js';
import { encodeWav, wavDurationSeconds } from './wav.js';

const BOUNDARY = '----atlas-test-boundary';

function multipartBody(field: string, fileName: string, contentType: string, data: Uint8Array) {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${fileName}"\r\n` +
      `Content-Type: ${contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  return Buffer.concat([head, Buffer.from(data), tail]);
}

/** One second of 16 kHz PCM16 mono as WAV. */
function oneSecondWav(): Uint8Array {
  return encodeWav(new Uint8Array(16_000 * 2), 16_000);
}

class InTestStt implements BatchSttProvider {
  readonly name = 'in-test-stt';
  readonly requests: BatchTranscriptionRequest[] = [];
  async transcribe(request: BatchTranscriptionRequest) {
    this.requests.push(request);
    return { text: 'hello atlas' };
  }
}

describe('wav', () => {
  it('writes a canonical header whose duration reads back', () => {
    const wav = encodeWav(new Uint8Array(48_000), 24_000);
    expect(wav.byteLength).toBe(44 + 48_000);
    expect(Buffer.from(wav.subarray(0, 4)).toString()).toBe('RIFF');
    expect(wavDurationSeconds(wav)).toBe(1);
  });
});

describe.each(databaseTargets())('/v1/voice on $name', (target) => {
  let db: Database;
  let app: FastifyInstance;
  let bare: FastifyInstance;
  const stt = new InTestStt();
  const tts = new FakeTtsProvider({ sampleRate: 24_000, msPerCharacter: 10 });
  const calls: string[] = [];

  beforeAll(async () => {
    db = await target.open();
    const usage = new UsageService(db);
    const verifier = createTokenVerifier({ hsSecret: TEST_JWT_SECRET });
    app = Fastify();
    app.setErrorHandler(errorHandler);
    await app.register(voiceV1Routes, {
      db,
      verifier,
      usage,
      batchStt: stt,
      tts,
      sttModel: 'nova-3',
      ttsModel: 'tts-1',
      beforeCall: (claims, tier) => {
        calls.push(`${claims.sub}:${tier}`);
      },
    });
    bare = Fastify();
    bare.setErrorHandler(errorHandler);
    await bare.register(voiceV1Routes, { db, verifier, usage, sttModel: 'x', ttsModel: 'y' });
    await Promise.all([app.ready(), bare.ready()]);
  });
  afterAll(async () => {
    await app?.close();
    await bare?.close();
    await db?.close();
  });

  async function transcribe(
    userId: string,
    fileName: string,
    data: Uint8Array,
    contentType = 'audio/wav',
    server = app,
  ) {
    return server.inject({
      method: 'POST',
      url: '/v1/voice/transcribe',
      headers: {
        authorization: `Bearer ${await signTestToken(userId)}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      },
      payload: multipartBody('audio', fileName, contentType, data),
    });
  }

  async function events(userId: string) {
    const { rows } = await db.query<{
      feature: string;
      model: string;
      cost_usd: string;
      meta: Record<string, unknown>;
    }>('select feature, model, cost_usd::text, meta from public.usage_events where user_id = $1', [
      userId,
    ]);
    return rows;
  }

  it('transcribes a WAV upload and records voice_stt usage', async () => {
    const user = await createTestUser(db);
    const response = await transcribe(
      user.id,
      'clip.bin',
      oneSecondWav(),
      'application/octet-stream',
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ text: 'hello atlas', durationSeconds: 1 });
    expect(stt.requests.at(-1)?.mimeType).toBe('audio/wav');
    expect(calls).toContain(`${user.id}:free`);
    const rows = await events(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.feature).toBe('voice_stt');
    expect(rows[0]?.model).toBe('nova-3');
    expect(Number(rows[0]?.cost_usd)).toBeCloseTo(sttCost('nova-3', 1).usd, 8);
    expect(rows[0]?.meta).toMatchObject({ durationSeconds: 1, mime: 'audio/wav' });
  });

  it('refuses a zip named .mp3 with 415', async () => {
    const user = await createTestUser(db);
    const zip = new Uint8Array(64);
    zip.set([0x50, 0x4b, 0x03, 0x04]);
    const response = await transcribe(user.id, 'song.mp3', zip, 'audio/mpeg');
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({
      code: 'unsupported_media_type',
      details: { detected: 'application/zip' },
    });
    expect(await events(user.id)).toEqual([]);
  });

  it('refuses uploads over 10 MB with 413', async () => {
    const user = await createTestUser(db);
    const big = encodeWav(new Uint8Array(MAX_AUDIO_UPLOAD_BYTES), 16_000);
    const response = await transcribe(user.id, 'big.wav', big);
    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('payload_too_large');
  });

  it('accepts a 5 MB recording (above the JSON body limit) and needs the audio field', async () => {
    const user = await createTestUser(db);
    const wav = encodeWav(new Uint8Array(5 * 1024 * 1024), 16_000);
    const response = await transcribe(user.id, 'long.wav', wav);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().durationSeconds).toBeCloseTo((5 * 1024 * 1024) / 32_000, 6);

    const missing = await app.inject({
      method: 'POST',
      url: '/v1/voice/transcribe',
      headers: {
        authorization: `Bearer ${await signTestToken(user.id)}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      },
      payload: multipartBody('other', 'clip.wav', 'audio/wav', oneSecondWav()),
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().code).toBe('validation_failed');
  });

  it('requires a token', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/voice/speak',
      payload: { text: 'hi' },
    });
    expect(response.statusCode).toBe(401);
  });

  it('refuses users over their monthly limit with 402 before calling the provider', async () => {
    const user = await createTestUser(db);
    await db.query(
      `insert into public.usage_events (user_id, feature, cost_usd) values ($1, 'chat', 1)`,
      [user.id],
    );
    const before = stt.requests.length;
    const response = await transcribe(user.id, 'clip.wav', oneSecondWav());
    expect(response.statusCode).toBe(402);
    expect(response.json()).toMatchObject({ code: 'limit_reached' });
    expect(response.json().details.resetsAt).toMatch(/^\d{4}-\d{2}-01T00:00:00.000Z$/);
    expect(stt.requests.length).toBe(before);

    const speak = await app.inject({
      method: 'POST',
      url: '/v1/voice/speak',
      headers: { authorization: `Bearer ${await signTestToken(user.id)}` },
      payload: { text: 'hello' },
    });
    expect(speak.statusCode).toBe(402);
  });

  it('speaks text as a WAV of the expected length and records voice_tts usage', async () => {
    const user = await createTestUser(db);
    const text = 'Hello from Atlas.';
    const response = await app.inject({
      method: 'POST',
      url: '/v1/voice/speak',
      headers: { authorization: `Bearer ${await signTestToken(user.id)}` },
      payload: { text },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('audio/wav');
    const wav = response.rawPayload;
    const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
    // 10 ms per character at 24 kHz, 2 bytes per sample.
    const expectedPcm = Math.round((24_000 * text.length * 10) / 1000) * 2;
    expect(wav.byteLength).toBe(44 + expectedPcm);
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.subarray(8, 16).toString()).toBe('WAVEfmt ');
    expect(view.getUint32(4, true)).toBe(36 + expectedPcm);
    expect(view.getUint16(20, true)).toBe(1);
    expect(view.getUint16(22, true)).toBe(1);
    expect(view.getUint32(24, true)).toBe(24_000);
    expect(view.getUint32(28, true)).toBe(48_000);
    expect(view.getUint16(34, true)).toBe(16);
    expect(wav.subarray(36, 40).toString()).toBe('data');
    expect(view.getUint32(40, true)).toBe(expectedPcm);

    const rows = await events(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.feature).toBe('voice_tts');
    expect(Number(rows[0]?.cost_usd)).toBeCloseTo(ttsCost('tts-1', text.length).usd, 8);
    expect(rows[0]?.meta).toMatchObject({ characters: text.length, sampleRate: 24_000 });
  });

  it('serves both routes over a real socket without aborting the provider', async () => {
    const user = await createTestUser(db);
    const server = Fastify();
    server.setErrorHandler(errorHandler);
    await server.register(voiceV1Routes, {
      db,
      verifier: createTokenVerifier({ hsSecret: TEST_JWT_SECRET }),
      usage: new UsageService(db),
      batchStt: {
        name: 'slow-stt',
        async transcribe(request) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          if (request.signal?.aborted) throw new Error('aborted');
          return { text: 'slow', durationSeconds: 2 };
        },
      },
      tts: new FakeTtsProvider({ sampleRate: 16_000, msPerCharacter: 10, timeToFirstByteMs: 20 }),
      sttModel: 'nova-3',
      ttsModel: 'tts-1',
    });
    const address = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const token = await signTestToken(user.id);
      const form = new FormData();
      form.append('audio', new Blob([Buffer.from(oneSecondWav())]), 'clip.webm');
      const stt = await fetch(`${address}/v1/voice/transcribe`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      expect(stt.status).toBe(200);
      expect(await stt.json()).toEqual({ text: 'slow', durationSeconds: 2 });
      const speak = await fetch(`${address}/v1/voice/speak`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'hello' }),
      });
      expect(speak.status).toBe(200);
      expect((await speak.arrayBuffer()).byteLength).toBe(44 + 16_000 * 0.05 * 2);
    } finally {
      await server.close();
    }
  });

  it('answers 503 provider_unavailable when the provider fails, and records nothing', async () => {
    const user = await createTestUser(db);
    tts.failNext();
    const response = await app.inject({
      method: 'POST',
      url: '/v1/voice/speak',
      headers: { authorization: `Bearer ${await signTestToken(user.id)}` },
      payload: { text: 'hello' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('provider_unavailable');
    expect(await events(user.id)).toEqual([]);
  });

  it('validates the text length', async () => {
    const user = await createTestUser(db);
    const token = await signTestToken(user.id);
    for (const text of ['', 'x'.repeat(4_001)]) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/voice/speak',
        headers: { authorization: `Bearer ${token}` },
        payload: { text },
      });
      expect(response.statusCode).toBe(400);
    }
  });

  it('answers 503 when no provider is configured', async () => {
    const user = await createTestUser(db);
    const stt503 = await transcribe(user.id, 'clip.wav', oneSecondWav(), 'audio/wav', bare);
    expect(stt503.statusCode).toBe(503);
    expect(stt503.json().code).toBe('provider_unavailable');
    const tts503 = await bare.inject({
      method: 'POST',
      url: '/v1/voice/speak',
      headers: { authorization: `Bearer ${await signTestToken(user.id)}` },
      payload: { text: 'hi' },
    });
    expect(tts503.statusCode).toBe(503);
  });
});
