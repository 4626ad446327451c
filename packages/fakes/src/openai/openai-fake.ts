/**
 * @module openai/openai-fake
 * A fake OpenAI API server: one HTTP listener, a small router, and one route module per
 * endpoint (`chat.ts`, `speech.ts`, `transcriptions.ts`). The router does what every OpenAI
 * endpoint shares, so routes stay about their own wire format:
 *
 * - reads and records the request (body parsed when JSON, raw bytes otherwise);
 * - checks `Authorization: Bearer <key>` and answers 401 with OpenAI's error body;
 * - consumes the next queued fault: `status` answers with the vendor's error body (and
 *   `retry-after`), `hang` never answers; other faults (`cut`) are handed to the route;
 * - answers 404 for unknown paths, with an `x-request-id` header on everything.
 *
 * To add an endpoint: write a route module exporting an {@link OpenAiRoute} and add it to
 * `ROUTES` below (one line). Route-specific options go in {@link OpenAiFakeOptions}.
 *
 * @example
 * const fake = await startOpenAiFake({ reply: () => 'Hi there.' });
 * const openai = new OpenAI({ apiKey: 'test', baseURL: fake.baseURL, maxRetries: 0 });
 * fake.faults.push({ kind: 'status', status: 429, retryAfterSeconds: 0.05 });
 * await fake.close();
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { type Fault, FaultQueue } from '../faults.js';
import { listen, readBody } from '../http-server.js';
import { type LatencyProfile, ZERO_PROFILE } from '../profiles.js';
import { type ChatCompletionBody, chatCompletionsRoute } from './chat.js';
import { speechRoute } from './speech.js';
import { transcriptionsRoute } from './transcriptions.js';

export interface OpenAiFakeOptions {
  /** Latency of every route (chat uses `llm`, speech `tts`, transcriptions `stt`). */
  profile?: LatencyProfile;
  /** Shared by all routes: each request consumes the next fault, whatever its path. */
  faults?: FaultQueue;
  /** When set, only this bearer key is accepted; otherwise any non-empty key is. */
  apiKey?: string;
  /** Chat: the assistant's reply to a request (default: echoes the last user message). */
  reply?: (body: ChatCompletionBody) => string;
}

export interface OpenAiRecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON for JSON bodies; the raw bytes otherwise (multipart uploads). */
  readonly body: unknown;
  readonly raw: Buffer;
}

/** What a route handler is given for one request. */
export interface OpenAiRouteContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly recorded: OpenAiRecordedRequest;
  /** A `cut` (or other non-status) fault the route must apply, if one was queued. */
  readonly fault: Fault | undefined;
  readonly profile: LatencyProfile;
  readonly options: OpenAiFakeOptions;
  readonly requestId: string;
  /** Aborted when the client goes away, so routes stop writing. */
  readonly clientGone: AbortSignal;
  /** Answers with OpenAI's error body and `x-request-id`. */
  sendError(status: number, error: OpenAiErrorBody, headers?: Record<string, string>): void;
}

export interface OpenAiErrorBody {
  readonly message: string;
  readonly type: string;
  readonly param?: string | null;
  readonly code?: string | null;
}

export interface OpenAiRoute {
  readonly method: 'GET' | 'POST';
  /** The full path, e.g. `/v1/chat/completions`. */
  readonly path: string;
  handle(context: OpenAiRouteContext): void | Promise<void>;
}

/** Every endpoint the fake serves. Add a route module here to extend the fake. */
const ROUTES: readonly OpenAiRoute[] = [
  chatCompletionsRoute,
  speechRoute,
  transcriptionsRoute,
  // speech and transcriptions routes are added here by their own modules.
];

export interface OpenAiFake {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `url` + `/v1`: what the `openai` SDK's `baseURL` option wants. */
  readonly baseURL: string;
  readonly port: number;
  readonly faults: FaultQueue;
  /** Every request received, in order, faulted or not. */
  readonly requests: OpenAiRecordedRequest[];
  close(): Promise<void>;
}

/** The error OpenAI sends for a status, close to the real bodies. */
export function openAiErrorFor(status: number): OpenAiErrorBody {
  if (status === 400)
    return { message: 'Invalid request.', type: 'invalid_request_error', param: null, code: null };
  if (status === 401)
    return {
      message: 'Incorrect API key provided.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    };
  if (status === 404)
    return { message: 'Not found.', type: 'invalid_request_error', param: null, code: null };
  if (status === 429)
    return {
      message: 'Rate limit reached for requests.',
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    };
  if (status === 503)
    return {
      message: 'The engine is currently overloaded, please try again later.',
      type: 'server_error',
      param: null,
      code: null,
    };
  if (status >= 500)
    return {
      message: 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
      param: null,
      code: null,
    };
  return { message: `Error ${status}.`, type: 'invalid_request_error', param: null, code: null };
}

function parseBody(request: IncomingMessage, raw: Buffer): unknown {
  const type = request.headers['content-type'] ?? '';
  if (raw.byteLength > 0 && type.includes('application/json')) {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      return raw;
    }
  }
  return raw;
}

function bearerKey(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return match?.[1]?.trim() || undefined;
}

export async function startOpenAiFake(
  options: OpenAiFakeOptions = {},
  port?: number,
): Promise<OpenAiFake> {
  const faults = options.faults ?? new FaultQueue();
  const profile = options.profile ?? ZERO_PROFILE;
  const requests: OpenAiRecordedRequest[] = [];

  const running = await listen(async (request, response) => {
    const requestId = `req_${randomUUID().replaceAll('-', '')}`;
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    const raw = await readBody(request);
    const recorded: OpenAiRecordedRequest = {
      method: request.method ?? 'GET',
      path,
      headers: request.headers,
      body: parseBody(request, raw),
      raw,
    };
    requests.push(recorded);

    const sendError = (status: number, error: OpenAiErrorBody, headers = {}) => {
      if (response.headersSent) return;
      response.writeHead(status, {
        'content-type': 'application/json',
        'x-request-id': requestId,
        ...headers,
      });
      response.end(JSON.stringify({ error: { param: null, code: null, ...error } }));
    };

    const route = ROUTES.find((r) => r.path === path && r.method === request.method);
    if (!route) return sendError(404, openAiErrorFor(404));
    const key = bearerKey(request.headers);
    if (!key || (options.apiKey !== undefined && key !== options.apiKey))
      return sendError(401, openAiErrorFor(401));

    const fault = faults.next();
    if (fault?.kind === 'hang') return; // close() destroys the socket
    if (fault?.kind === 'status') {
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined
          ? {}
          : { 'retry-after': String(fault.retryAfterSeconds) };
      return sendError(fault.status, openAiErrorFor(fault.status), headers);
    }

    const gone = new AbortController();
    response.on('close', () => gone.abort());
    await route.handle({
      request,
      response,
      recorded,
      fault,
      profile,
      options,
      requestId,
      clientGone: gone.signal,
      sendError,
    });
  }, port);

  return {
    url: running.url,
    baseURL: `${running.url}/v1`,
    port: running.port,
    faults,
    requests,
    close: () => running.close(),
  };
}
