/**
 * @module http/client-config-routes
 * `GET /v1/config`: the web app's run-time configuration (V2 voice flag, where to sign in, whether
 * the providers are offline), served so that flipping `VOICE_V2_ENABLED` needs no rebuild.
 * Also the single-page app's fallback: a browser navigating to `/chat/…` gets `index.html`.
 */
import type { ClientConfig } from '@atlas/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { ProviderReport } from '../providers/selection.js';
import { notFoundHandler } from './error-handler.js';

export interface ClientConfigDeps {
  config: Config;
  version: string;
  providers: ProviderReport;
  /** Whether `/v2/voice` is attached on this instance. */
  voiceV2Served: boolean;
}

const OFFLINE_ENGINES = new Set(['offline', 'pocketsphinx', 'espeak']);

export function clientConfigOf(deps: ClientConfigDeps): ClientConfig {
  const { config, providers } = deps;
  const first = (chain: string) => chain.split('>')[0] ?? chain;
  return {
    version: deps.version,
    voiceV2Enabled: config.voiceV2Enabled && deps.voiceV2Served,
    voiceAvailable: providers.voice,
    auth: {
      url: config.supabase.url === undefined ? null : `${config.supabase.url}/auth/v1`,
      anonKey: config.supabase.anonKey ?? null,
    },
    offline: [providers.llm, providers.stt, providers.tts].every((chain) =>
      OFFLINE_ENGINES.has(first(chain)),
    ),
    providers: { stt: providers.stt, llm: providers.llm, tts: providers.tts },
  };
}

export async function clientConfigRoutes(
  app: FastifyInstance,
  deps: ClientConfigDeps,
): Promise<void> {
  const body = clientConfigOf(deps);
  app.get('/v1/config', async (_request, reply): Promise<ClientConfig> => {
    reply.header('cache-control', 'no-cache');
    return body;
  });
}

const API_PREFIXES = ['/v1/', '/v2/', '/auth/', '/health', '/ready', '/metrics', '/assets/'];

/**
 * Not-found handler that serves the web app's `index.html` to browser navigations (GET, wants
 * HTML, not an API path), so deep links and reloads work; everything else gets the JSON 404.
 */
export function spaFallback(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0] ?? '/';
  const wantsHtml = request.headers.accept?.includes('text/html') === true;
  if (
    request.method === 'GET' &&
    wantsHtml &&
    !API_PREFIXES.some((prefix) => path.startsWith(prefix))
  ) {
    return reply.type('text/html').sendFile('index.html');
  }
  return notFoundHandler(request, reply);
}
