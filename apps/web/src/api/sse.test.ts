import { describe, expect, it } from 'vitest';
import { readSse, type SseEvent, SseParser } from './sse.js';

function streamOf(chunks: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(chunks: readonly string[]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSse(streamOf(chunks))) events.push(event);
  return events;
}

describe('readSse', () => {
  it('reads events split anywhere across chunks, even inside a field name or a UTF-8 character', async () => {
    const text = 'event: delta\ndata: {"text":"Hé"}\n\nevent: done\ndata: {"ok":true}\n\n';
    const bytes = new TextEncoder().encode(text);
    // Every byte its own chunk: the worst split there is.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const event of readSse(stream)) events.push(event);
    expect(events).toEqual([
      { event: 'delta', data: '{"text":"Hé"}' },
      { event: 'done', data: '{"ok":true}' },
    ]);
  });

  it('joins multi-line data with newlines and defaults the event name to message', async () => {
    expect(await collect(['data: one\ndata: two\n', 'data:three\n\n'])).toEqual([
      { event: 'message', data: 'one\ntwo\nthree' },
    ]);
  });

  it('ignores comment lines (heartbeats) and unknown fields', async () => {
    expect(await collect([': ping\n\n', 'id: 7\nretry: 10\nevent: delta\ndata: x\n\n'])).toEqual([
      { event: 'delta', data: 'x' },
    ]);
  });

  it('handles CRLF line ends, including a CR and LF split across chunks', async () => {
    expect(await collect(['event: error\r', '\ndata: {"code":"internal"}\r\n\r\n'])).toEqual([
      { event: 'error', data: '{"code":"internal"}' },
    ]);
  });

  it('delivers a final event the stream ended without a blank line after', async () => {
    expect(await collect(['event: done\ndata: last'])).toEqual([{ event: 'done', data: 'last' }]);
  });

  it('yields error events like any other so the caller can branch on them', async () => {
    const events = await collect([
      'event: delta\ndata: {"text":"Hi"}\n\n',
      'event: error\ndata: {"code":"provider_unavailable","message":"down"}\n\n',
    ]);
    expect(events.map((e) => e.event)).toEqual(['delta', 'error']);
    expect(JSON.parse(events[1]?.data ?? '')).toEqual({
      code: 'provider_unavailable',
      message: 'down',
    });
  });

  it('cancels the body when the consumer stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: tick\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _event of readSse(stream)) break;
    expect(cancelled).toBe(true);
  });
});

describe('SseParser', () => {
  it('keeps an unfinished event until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('data: a')).toEqual([]);
    expect(parser.push('\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'message', data: 'a' }]);
  });

  it('drops events without data, as the standard says', () => {
    expect(new SseParser().push('event: delta\n\n')).toEqual([]);
  });
});
