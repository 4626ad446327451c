import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { countTokens } from '../anthropic/text-pacing.js';
import { type OpenAiFake, type OpenAiFakeOptions, startOpenAiFake } from './openai-fake.js';

let fake: OpenAiFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: OpenAiFakeOptions = {}) {
  fake = await startOpenAiFake(options);
  return fake;
}

const request = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    stream: true,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello there' },
    ],
    ...extra,
  });

function post(
  f: OpenAiFake,
  payload: string,
  headers: Record<string, string> = { authorization: 'Bearer k' },
) {
  return fetch(`${f.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: payload,
  });
}

describe('OpenAI fake: chat completions stream', () => {
  it('sends only data lines: role chunk, content, finish, usage chunk with no choices, [DONE]', async () => {
    const f = await start({ reply: () => 'Hi! How can I help?' });
    const response = await post(f, request({ stream_options: { include_usage: true } }));
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    const raw = await response.text();
    expect(raw).not.toMatch(/^event:/m);
    const blocks = raw.split('\n\n').filter(Boolean);
    expect(blocks.every((b) => b.startsWith('data: '))).toBe(true);
    expect(blocks.at(-1)).toBe('data: [DONE]');
    const chunks = blocks.slice(0, -1).map((b) => JSON.parse(b.slice(6)));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const text = chunks
      .slice(1)
      .map((c) => c.choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe('Hi! How can I help?');
    expect(chunks.at(-2).choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    const prompt = countTokens('Be brief. Hello there');
    const completion = countTokens('Hi! How can I help?');
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
      },
    });
  });

  it('sends no usage chunk unless include_usage is asked for', async () => {
    const f = await start();
    const blocks = (await (await post(f, request())).text()).split('\n\n').filter(Boolean);
    const chunks = blocks.slice(0, -1).map((b) => JSON.parse(b.slice(6)));
    expect(chunks.every((c) => c.choices.length === 1 && !('usage' in c))).toBe(true);
  });

  it('is read by the official SDK, streaming and not, and records the requests', async () => {
    const f = await start();
    const client = new OpenAI({ apiKey: 'k', baseURL: f.baseURL, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'ping' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('You said: ping');
    expect(usage?.completion_tokens).toBe(countTokens('You said: ping'));
    const whole = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'again' }],
      max_tokens: 2,
    });
    expect(whole.choices[0]).toMatchObject({ finish_reason: 'length' });
    expect(whole.usage?.completion_tokens).toBeLessThanOrEqual(2);
    expect(f.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    expect(f.requests[0]?.headers.authorization).toBe('Bearer k');
    expect(f.requests[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });
});

describe('OpenAI fake: router, auth and faults', () => {
  it('answers 401 without a bearer key (or with the wrong one) and 404 off the routes', async () => {
    const f = await start({ apiKey: 'right' });
    const none = await post(f, request(), {});
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      error: {
        message: 'Incorrect API key provided.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    expect((await post(f, request(), { authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = await post(f, request(), { authorization: 'Bearer right' });
    expect(ok.status).toBe(200);
    await ok.text();
    const missing = await fetch(`${f.baseURL}/nope`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('rejects a body without messages with 400', async () => {
    const f = await start();
    const response = await post(f, JSON.stringify({ model: 'm' }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('plays status faults with retry-after and the OpenAI error body', async () => {
    const f = await start();
    f.faults.push(
      { kind: 'status', status: 429, retryAfterSeconds: 2 },
      { kind: 'status', status: 500 },
    );
    const limited = await post(f, request());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    expect(await (await post(f, request())).json()).toMatchObject({
      error: { type: 'server_error' },
    });
    const ok = await post(f, request());
    expect(ok.status).toBe(200);
    await ok.text();
  });

  it('cuts the stream after the given number of chunks; the SDK throws after the first token', async () => {
    const f = await start({ reply: () => 'one two three' });
    f.faults.push({ kind: 'cut', afterChunks: 2 });
    const client = new OpenAI({ apiKey: 'k', baseURL: f.baseURL, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    ).rejects.toThrow();
    expect(seen).toEqual(['', 'one']);
  });

  it('never answers a hung request', async () => {
    const f = await start();
    f.faults.push({ kind: 'hang' });
    const client = new OpenAI({ apiKey: 'k', baseURL: f.baseURL, maxRetries: 0, timeout: 100 });
    await expect(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });
});
