import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { ZERO_PROFILE } from '../profiles.js';
import {
  type AnthropicFake,
  type AnthropicFakeOptions,
  startAnthropicFake,
} from './anthropic-fake.js';
import { countTokens, splitReply } from './text-pacing.js';

let fake: AnthropicFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: AnthropicFakeOptions = {}) {
  fake = await startAnthropicFake(options);
  return fake;
}

const body = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    model: 'claude-haiku-4-5',
    max_tokens: 256,
    stream: true,
    system: 'Be brief.',
    messages: [{ role: 'user', content: 'Hello there' }],
    ...extra,
  });

function post(
  f: AnthropicFake,
  payload: string,
  headers: Record<string, string> = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
) {
  return fetch(`${f.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: payload,
  });
}

/** Parses an SSE body into `{event, data}` pairs, keeping the raw `event:` line. */
function parseSse(text: string) {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))?.slice(6) ?? 'null');
      return { event, data };
    });
}

describe('Anthropic fake: streaming wire format', () => {
  it('sends named events in the documented order, with usage and a request-id', async () => {
    const f = await start({ reply: () => 'Hi! How can I help?' });
    const response = await post(f, body());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const events = parseSse(await response.text());
    // Every event names its type twice: the `event:` line and the JSON `type`.
    for (const e of events) expect(e.event).toBe(e.data.type);
    const types = events.map((e) => e.event);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array(splitReply('Hi! How can I help?').length).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const text = events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => e.data.delta.text)
      .join('');
    expect(text).toBe('Hi! How can I help?');
    expect(events[0]?.data.message).toMatchObject({
      role: 'assistant',
      content: [],
      model: 'claude-haiku-4-5',
      stop_reason: null,
      usage: { input_tokens: countTokens('Be brief. Hello there'), output_tokens: 1 },
    });
    expect(events.at(-2)?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: countTokens('Hi! How can I help?') },
    });
  });

  it('paces the reply by the profile: first token after the wait, then paced deltas', async () => {
    const profile = { ...ZERO_PROFILE, llm: { timeToFirstTokenMs: 100, tokensPerSecond: 40 } };
    const f = await start({ profile, reply: () => 'one two three four' });
    const requestedAt = performance.now();
    const response = await post(f, body());
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    const reads: Array<{ at: number; events: string[] }> = [];
    for (;;) {
      const result = await reader?.read();
      if (!result || result.done) break;
      const events = parseSse(decoder.decode(result.value)).map((e) => String(e.event));
      reads.push({ at: performance.now(), events });
    }
    expect(reads[0]?.events).toContain('message_start');
    const deltaReads = reads.filter((r) => r.events.includes('content_block_delta'));
    // Lower bounds from before the request (a loaded machine may merge or delay reads, never
    // make them earlier): the first token waited 100 ms, the last three more 25 ms intervals.
    expect((deltaReads[0]?.at ?? 0) - requestedAt).toBeGreaterThanOrEqual(95);
    const deltas = deltaReads.flatMap((r) => r.events.filter((e) => e === 'content_block_delta'));
    expect(deltas).toHaveLength(4);
    expect((deltaReads.at(-1)?.at ?? 0) - requestedAt).toBeGreaterThanOrEqual(170);
  });

  it('stops at max_tokens with stop_reason max_tokens', async () => {
    const f = await start({ reply: () => 'one two three four five six seven eight' });
    const events = parseSse(await (await post(f, body({ max_tokens: 3 }))).text());
    const delta = events.find((e) => e.event === 'message_delta')?.data;
    expect(delta.delta.stop_reason).toBe('max_tokens');
    expect(delta.usage.output_tokens).toBeLessThanOrEqual(3);
  });

  it('answers a non-streaming request with one message JSON', async () => {
    const f = await start({ reply: () => 'Plain answer.' });
    const response = await post(f, body({ stream: false }));
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({
      type: 'message',
      content: [{ type: 'text', text: 'Plain answer.' }],
      stop_reason: 'end_turn',
      usage: { output_tokens: countTokens('Plain answer.') },
    });
  });

  it('is parsed by the official SDK stream helper (which rejects out-of-order events)', async () => {
    const f = await start();
    const client = new Anthropic({ apiKey: 'k', baseURL: f.url, maxRetries: 0 });
    const message = await client.messages
      .stream({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'ping me' }] })
      .finalMessage();
    expect(message.content).toMatchObject([{ type: 'text', text: 'You said: ping me' }]);
    expect(message.usage.output_tokens).toBe(countTokens('You said: ping me'));
    // The 1.x SDK authenticates with a bearer token and the newer API version.
    expect(f.requests[0]?.headers.authorization).toBe('Bearer k');
    expect(f.requests[0]?.headers['anthropic-version']).toBe('2026-10-21');
  });
});

describe('Anthropic fake: auth, versions and errors', () => {
  it('answers 401 with the error envelope when no key is sent, accepts either auth header', async () => {
    const f = await start({ apiKey: 'right' });
    const none = await post(f, body(), { 'anthropic-version': '2023-06-01' });
    expect(none.status).toBe(401);
    const requestId = none.headers.get('request-id');
    expect(await none.json()).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: 'invalid x-api-key' },
      request_id: requestId,
    });
    const wrong = await post(f, body(), {
      'x-api-key': 'wrong',
      'anthropic-version': '2023-06-01',
    });
    expect(wrong.status).toBe(401);
    const viaHeader = await post(f, body(), {
      'x-api-key': 'right',
      'anthropic-version': '2023-06-01',
    });
    expect(viaHeader.status).toBe(200);
    await viaHeader.text();
    const viaBearer = await post(f, body(), {
      authorization: 'Bearer right',
      'anthropic-version': '2026-10-21',
    });
    expect(viaBearer.status).toBe(200);
    await viaBearer.text();
  });

  it('requires a known anthropic-version and rejects sampling parameters on 2026-10-21', async () => {
    const f = await start();
    expect((await post(f, body(), { 'x-api-key': 'k' })).status).toBe(400);
    const old = await post(f, body({ temperature: 0.5 }));
    expect(old.status).toBe(200);
    await old.text();
    const newer = await post(f, body({ temperature: 0.5 }), {
      'x-api-key': 'k',
      'anthropic-version': '2026-10-21',
    });
    expect(newer.status).toBe(400);
    expect(await newer.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect((await post(f, body({ messages: [] }))).status).toBe(400);
  });

  it('plays queued status faults with the vendor error types and retry-after, then recovers', async () => {
    const f = await start();
    f.faults.push(
      { kind: 'status', status: 429, retryAfterSeconds: 3 },
      { kind: 'status', status: 529 },
      { kind: 'status', status: 500 },
    );
    const limited = await post(f, body());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toMatchObject({ error: { type: 'rate_limit_error' } });
    const overloaded = await post(f, body());
    expect(overloaded.status).toBe(529);
    expect(await overloaded.json()).toMatchObject({
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    expect(await (await post(f, body())).json()).toMatchObject({ error: { type: 'api_error' } });
    const ok = await post(f, body());
    expect(ok.status).toBe(200);
    await ok.text();
    expect(f.requests).toHaveLength(4);
    expect(f.faults.injected).toHaveLength(3);
  });

  it('cuts the stream after the given number of events', async () => {
    const f = await start({ reply: () => 'one two three four' });
    f.faults.push({ kind: 'cut', afterChunks: 4 });
    const response = await post(f, body());
    const reader = response.body?.getReader();
    let text = '';
    const decoder = new TextDecoder();
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
          if (done) return;
          text += decoder.decode(value, { stream: true });
        }
      })(),
    ).rejects.toThrow();
    expect(parseSse(text).map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
    ]);
  });

  it('never answers a hung request', async () => {
    const f = await start();
    f.faults.push({ kind: 'hang' });
    await expect(
      fetch(`${f.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
        body: body(),
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow(/abort|timeout/i);
  });

  it('answers 404 with the error envelope for other paths', async () => {
    const f = await start();
    const response = await fetch(`${f.url}/v1/complete`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error' },
    });
  });
});
