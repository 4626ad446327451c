/**
 * @module anthropic/anthropic-fake
 * A fake Anthropic Messages API (`POST /v1/messages`) faithful to the wire format the official
 * SDKs parse: SSE with an `event:` line before every `data:` line, events in the documented order
 * (message_start → content_block_start → ping → content_block_delta… → content_block_stop →
 * message_delta → message_stop), usage in message_start (input) and message_delta (cumulative
 * output), errors as `{"type":"error","error":{…},"request_id":…}` with a `request-id` header.
 * Accepts `x-api-key` (0.x SDKs) and `Authorization: Bearer` (1.x SDKs), and both API versions.
 *
 * Per request, in order: auth (401), the next queued fault (`status`, `hang`, or `cut` applied
 * to the stream after that many events), body validation (400), then the reply. Tokens are
 * counted at ~4 characters each, so tests can predict usage; pacing follows the profile's `llm`.
 *
 * @example
 * const fake = await startAnthropicFake({ reply: () => 'Hello! How can I help?' });
 * const client = new Anthropic({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
 * fake.faults.push({ kind: 'status', status: 529 }, { kind: 'cut', afterChunks: 4 });
 * await fake.close();
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { FaultQueue } from '../faults.js';
import { listen, readJson } from '../http-server.js';
import { type LatencyProfile, ZERO_PROFILE } from '../profiles.js';
import {
  countInputTokens,
  countTokens,
  splitReply,
  waitFirstToken,
  waitForPiece,
  writeFlushed,
} from './text-pacing.js';

/** The request fields the fake reads (others are accepted and ignored). */
export interface AnthropicMessagesBody {
  readonly model: string;
  readonly max_tokens: number;
  readonly messages: ReadonlyArray<{ readonly role: string; readonly content: unknown }>;
  readonly system?: unknown;
  readonly stream?: boolean;
  readonly temperature?: number;
  readonly top_p?: number;
  readonly top_k?: number;
}

export interface AnthropicFakeOptions {
  profile?: LatencyProfile;
  faults?: FaultQueue;
  /** The assistant's reply (default: echoes the last user message). */
  reply?: (body: AnthropicMessagesBody) => string;
  /** When set, only this key is accepted; otherwise any non-empty key is. */
  apiKey?: string;
}

export interface AnthropicRecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

export interface AnthropicFake {
  /** `http://127.0.0.1:<port>`: the SDK's `baseURL` (it appends `/v1/messages`). */
  readonly url: string;
  readonly port: number;
  readonly faults: FaultQueue;
  /** Every request received, in order, faulted or not. */
  readonly requests: AnthropicRecordedRequest[];
  close(): Promise<void>;
}

export const ANTHROPIC_API_VERSIONS = ['2023-06-01', '2026-10-21'] as const;

/** The `error.type` Anthropic sends with each status. */
export function anthropicErrorType(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    402: 'billing_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    504: 'timeout_error',
    529: 'overloaded_error',
  };
  return types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

const DEFAULT_MESSAGES: Record<string, string> = {
  authentication_error: 'invalid x-api-key',
  rate_limit_error: 'Number of requests has exceeded your per-minute rate limit',
  overloaded_error: 'Overloaded',
  api_error: 'Internal server error',
  not_found_error: 'Not found',
};

function sendError(
  response: ServerResponse,
  requestId: string,
  status: number,
  message?: string,
  headers: Record<string, string> = {},
): void {
  const type = anthropicErrorType(status);
  response.writeHead(status, {
    'content-type': 'application/json',
    'request-id': requestId,
    ...headers,
  });
  response.end(
    JSON.stringify({
      type: 'error',
      error: { type, message: message ?? DEFAULT_MESSAGES[type] ?? `Error ${status}` },
      request_id: requestId,
    }),
  );
}

function apiKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const xApiKey = headers['x-api-key'];
  if (typeof xApiKey === 'string' && xApiKey.trim()) return xApiKey.trim();
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return match?.[1]?.trim() || undefined;
}

/** Why a body is not a valid Messages request, or undefined when it is. */
function invalidReason(body: unknown, version: string): string | undefined {
  if (!body || typeof body !== 'object') return 'request body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string') return 'model: Field required';
  if (typeof b.max_tokens !== 'number' || b.max_tokens < 1) return 'max_tokens: Field required';
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    return 'messages: at least one message is required';
  // API version 2026-10-21 removed the sampling parameters (400 even at their defaults).
  if (version === '2026-10-21')
    for (const field of ['temperature', 'top_p', 'top_k'])
      if (field in b) return `${field}: Extra inputs are not permitted`;
  return undefined;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block) =>
      block && typeof block === 'object' && typeof (block as { text?: unknown }).text === 'string'
        ? (block as { text: string }).text
        : '',
    )
    .join('');
}

/** The default reply: echoes what the user said last. */
export function echoAnthropicReply(body: AnthropicMessagesBody): string {
  const lastUser = [...body.messages].reverse().find((m) => m.role === 'user');
  return `You said: ${textOf(lastUser?.content)}`;
}

export async function startAnthropicFake(
  options: AnthropicFakeOptions = {},
  port?: number,
): Promise<AnthropicFake> {
  const faults = options.faults ?? new FaultQueue();
  const profile = options.profile ?? ZERO_PROFILE;
  const requests: AnthropicRecordedRequest[] = [];

  const running = await listen(async (request, response) => {
    const requestId = `req_${randomUUID().replaceAll('-', '')}`;
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    let body: unknown;
    try {
      body = await readJson(request);
    } catch {
      body = undefined;
    }
    requests.push({ method: request.method ?? 'GET', path, headers: request.headers, body });

    if (request.method !== 'POST' || path !== '/v1/messages')
      return sendError(response, requestId, 404, `${request.method} ${path} not found`);
    const key = apiKeyOf(request.headers);
    if (!key || (options.apiKey !== undefined && key !== options.apiKey))
      return sendError(response, requestId, 401);

    const fault = faults.next();
    if (fault?.kind === 'hang') return; // close() destroys the socket
    if (fault?.kind === 'status') {
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined
          ? {}
          : { 'retry-after': String(fault.retryAfterSeconds) };
      return sendError(response, requestId, fault.status, undefined, headers);
    }

    const version = request.headers['anthropic-version'];
    if (typeof version !== 'string')
      return sendError(response, requestId, 400, 'anthropic-version: header is required');
    if (!(ANTHROPIC_API_VERSIONS as readonly string[]).includes(version))
      return sendError(response, requestId, 400, `anthropic-version: invalid version ${version}`);
    const reason = invalidReason(body, version);
    if (reason) return sendError(response, requestId, 400, reason);

    const messages = body as AnthropicMessagesBody;
    const reply = options.reply?.(messages) ?? echoAnthropicReply(messages);
    const cutAfter = fault?.kind === 'cut' ? fault.afterChunks : Number.POSITIVE_INFINITY;
    await answer(response, messages, reply, { requestId, profile, cutAfter });
  }, port);

  return {
    url: running.url,
    port: running.port,
    faults,
    requests,
    close: () => running.close(),
  };
}

interface AnswerContext {
  readonly requestId: string;
  readonly profile: LatencyProfile;
  /** Destroy the socket after this many SSE events (Infinity = never). */
  readonly cutAfter: number;
}

/** The reply cut to `max_tokens`, and the stop reason that results. */
function fitReply(reply: string, maxTokens: number) {
  const kept: string[] = [];
  for (const piece of splitReply(reply)) {
    if (countTokens(kept.join('') + piece) > maxTokens)
      return { pieces: kept, stopReason: 'max_tokens' as const };
    kept.push(piece);
  }
  return { pieces: kept, stopReason: 'end_turn' as const };
}

async function answer(
  response: ServerResponse,
  body: AnthropicMessagesBody,
  reply: string,
  context: AnswerContext,
): Promise<void> {
  const { requestId, profile, cutAfter } = context;
  const gone = new AbortController();
  response.on('close', () => gone.abort());
  const { pieces, stopReason } = fitReply(reply, body.max_tokens);
  const text = pieces.join('');
  const inputTokens = countInputTokens(body.system, body.messages);
  const outputTokens = countTokens(text);
  const id = `msg_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
  const message = { id, type: 'message', role: 'assistant', model: body.model };

  if (!body.stream) {
    await waitFirstToken(profile, gone.signal);
    response.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
    response.end(
      JSON.stringify({
        ...message,
        content: [{ type: 'text', text }],
        stop_reason: stopReason,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: outputTokens },
      }),
    );
    return;
  }

  let sent = 0;
  /** Writes one event; false once the stream is over (client gone or cut applied). */
  const send = async (type: string, data: object): Promise<boolean> => {
    if (gone.signal.aborted) return false;
    await writeFlushed(response, `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    sent += 1;
    if (sent >= cutAfter) {
      response.socket?.destroy();
      return false;
    }
    return true;
  };

  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': requestId,
  });
  if (cutAfter <= 0) return void response.socket?.destroy();
  const started = {
    message: {
      ...message,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: 1 },
    },
  };
  if (!(await send('message_start', started))) return;
  const block = { index: 0, content_block: { type: 'text', text: '' } };
  if (!(await send('content_block_start', block))) return;
  if (!(await send('ping', {}))) return;
  await waitFirstToken(profile, gone.signal);
  for (const [index, piece] of pieces.entries()) {
    if (index > 0) await waitForPiece(profile, piece, gone.signal);
    const delta = { index: 0, delta: { type: 'text_delta', text: piece } };
    if (!(await send('content_block_delta', delta))) return;
  }
  if (!(await send('content_block_stop', { index: 0 }))) return;
  const final = {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: outputTokens },
  };
  if (!(await send('message_delta', final))) return;
  if (!(await send('message_stop', {}))) return;
  response.end();
}
