import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AtlasError } from '../errors.js';
import { errorHandler, notFoundHandler } from './error-handler.js';

async function appThrowing(error: () => unknown) {
  const app = Fastify({ logger: false });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.get('/boom', async () => {
    throw error();
  });
  app.post('/echo', async (request) => request.body);
  await app.ready();
  return app;
}

describe('error handler', () => {
  it('answers an AtlasError with its status and {code, message, details}', async () => {
    const app = await appThrowing(
      () => new AtlasError('validation_failed', 'title is too long', { details: { max: 200 } }),
    );
    const response = await app.inject('/boom');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      code: 'validation_failed',
      message: 'title is too long',
      details: { max: 200 },
    });
  });

  it('sets retry-after on rate limits', async () => {
    const app = await appThrowing(
      () => new AtlasError('rate_limited', undefined, { details: { retryAfterMs: 1500 } }),
    );
    const response = await app.inject('/boom');
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('2');
  });

  it('turns zod errors into validation_failed with the paths', async () => {
    const app = await appThrowing(() => z.object({ title: z.string() }).parse({ title: 3 }));
    const response = await app.inject('/boom');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'title' }],
    });
  });

  it('hides unexpected errors behind a generic internal error', async () => {
    const app = await appThrowing(() => new Error('password=hunter2 at /srv/db.ts:12'));
    const response = await app.inject('/boom');
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      code: 'internal',
      message: 'Something went wrong on our side.',
    });
    expect(response.body).not.toContain('hunter2');
  });

  it('answers malformed JSON with bad_request and oversized bodies with payload_too_large', async () => {
    const app = await appThrowing(() => null);
    const bad = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'bad_request' });
    const big = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: `"${'x'.repeat(1_100_000)}"`,
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'payload_too_large' });
    const media = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/x-nope' },
      payload: 'x',
    });
    expect(media.statusCode).toBe(415);
    expect(media.json()).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('answers unknown routes with not_found in the same shape', async () => {
    const app = await appThrowing(() => null);
    const response = await app.inject('/nope?x=1');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ code: 'not_found', message: 'No route for GET /nope' });
  });
});
