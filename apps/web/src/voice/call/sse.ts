/**
 * @module voice/call/sse
 * Reads a server-sent-events body (the chat reply stream the V1 voice path uses) into
 * `{event, data}` records. Comment lines (keep-alives) are skipped; a record without `event:`
 * is a `message`, as in the EventSource standard.
 */

export interface SseRecord {
  event: string;
  data: string;
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseRecord> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      const records = buffer.replace(/\r\n?/g, '\n').split('\n\n');
      buffer = done ? '' : (records.pop() ?? '');
      for (const raw of records) {
        const record = parseRecord(raw);
        if (record) yield record;
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}

function parseRecord(raw: string): SseRecord | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of raw.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? undefined : { event, data: data.join('\n') };
}
