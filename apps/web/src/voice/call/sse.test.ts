import { describe, expect, it } from 'vitest';
import { readSse } from './sse.js';

function streamOf(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>) {
  const records = [];
  for await (const record of readSse(stream)) records.push(record);
  return records;
}

describe('readSse', () => {
  it('reads events split across chunks, skipping comments', async () => {
    const records = await collect(
      streamOf(
        'event: delta\ndata: {"te',
        'xt":"Hi"}\n\n: ping\n\n',
        'event: done\r\ndata: {}\r\n\r\n',
      ),
    );
    expect(records).toEqual([
      { event: 'delta', data: '{"text":"Hi"}' },
      { event: 'done', data: '{}' },
    ]);
  });

  it('joins multi-line data and names unnamed events "message"', async () => {
    expect(await collect(streamOf('data: a\ndata: b\n\ndata: last'))).toEqual([
      { event: 'message', data: 'a\nb' },
      { event: 'message', data: 'last' },
    ]);
  });
});
