import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clientConfigSchema } from '@atlas/protocol';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import type { ProviderReport } from '../providers/selection.js';
import { clientConfigRoutes, spaFallback } from './client-config-routes.js';

const offline: ProviderReport = {
  llm: 'offline',
  stt: 'pocketsphinx',
  tts: 'espeak',
  voice: true,
  problems: [],
};
const vendors: ProviderReport = {
  llm: 'anthropic>openai>offline',
  stt: 'deepgram>pocketsphinx',
  tts: 'openai>espeak',
  voice: true,
  problems: [],
};

describe('GET /v1/config and the web app fallback', () => {
  let app: FastifyInstance | undefined;
  let webRoot: string | undefined;
  afterEach(async () => {
    await app?.close();
    if (webRoot) await rm(webRoot, { recursive: true, force: true });
  });

  async function start(env: NodeJS.ProcessEnv, providers: ProviderReport, served = true) {
    webRoot = await mkdtemp(path.join(tmpdir(), 'atlas-web-'));
    await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><title>Atlas</title>');
    app = Fastify();
    app.setNotFoundHandler(spaFallback);
    await app.register(clientConfigRoutes, {
      config: loadConfig(env),
      version: '1.2.3',
      providers,
      voiceV2Served: served,
    });
    await app.register(fastifyStatic, { root: webRoot, prefix: '/' });
    return app;
  }

  it('serves the V2 flag, the sign-in location and whether the providers are offline', async () => {
    const server = await start({}, offline);
    const response = await server.inject({ method: 'GET', url: '/v1/config' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(clientConfigSchema.parse(response.json())).toEqual({
      version: '1.2.3',
      voiceV2Enabled: true,
      voiceAvailable: true,
      auth: { url: null, anonKey: null },
      offline: true,
      providers: { stt: 'pocketsphinx', llm: 'offline', tts: 'espeak' },
    });
  });

  it('turns V2 off when VOICE_V2_ENABLED is false or the gateway is not served', async () => {
    const flagged = await start({ VOICE_V2_ENABLED: 'false' }, vendors);
    expect((await flagged.inject({ url: '/v1/config' })).json().voiceV2Enabled).toBe(false);
    await flagged.close();
    const unserved = await start({}, vendors, false);
    const body = (await unserved.inject({ url: '/v1/config' })).json();
    expect(body.voiceV2Enabled).toBe(false);
    expect(body.offline).toBe(false);
  });

  it('points sign-in at a Supabase project when one is configured', async () => {
    const server = await start(
      { SUPABASE_URL: 'https://abc.supabase.co/', SUPABASE_ANON_KEY: 'anon-key' },
      vendors,
    );
    expect((await server.inject({ url: '/v1/config' })).json().auth).toEqual({
      url: 'https://abc.supabase.co/auth/v1',
      anonKey: 'anon-key',
    });
  });

  it('serves index.html to browser navigations and JSON 404s to everything else', async () => {
    const server = await start({}, offline);
    const page = await server.inject({
      url: '/chat/4f1c?x=1',
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Atlas</title>');

    const api = await server.inject({ url: '/v1/nope', headers: { accept: 'text/html' } });
    expect(api.statusCode).toBe(404);
    expect(api.json().code).toBe('not_found');
    const asset = await server.inject({ url: '/assets/missing.js', headers: { accept: '*/*' } });
    expect(asset.statusCode).toBe(404);
    const post = await server.inject({
      method: 'POST',
      url: '/chat',
      headers: { accept: 'text/html' },
    });
    expect(post.statusCode).toBe(404);
  });
});
