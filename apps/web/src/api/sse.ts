/**
 * @module api/sse
 * Reads a `text/event-stream` body as it arrives: events split across network chunks, multi-line
 * `data:` fields, CRLF line ends and `:` comment lines (the server's heartbeats) all handled as
 * the HTML standard's event-stream parser does. `EventSource` cannot be used because sending a
 * chat message is a POST with a bearer token.
 */

export interface SseEvent {
  /** The `event:` field; `message` when the event named none. */
  event: string;
  /** The `data:` lines joined with newlines. */
  data: string;
}

/**
 * Yields each complete event of `body`. Breaking out of the loop (or an aborted fetch) cancels
 * the underlying stream, so the server sees the connection close.
 *
 * @example
 * for await (const { event, data } of readSse(response.body)) console.log(event, JSON.parse(data));
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(`${decoder.decode()}\n\n`);
  } finally {
    // Releases the connection when the consumer stops early (stop button, unmount).
    await reader.cancel().catch(() => undefined);
  }
}

/** The line-level state machine, separate from I/O so it can be fed any split of the text. */
export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];

  /** Feeds more text; returns the events it completed. */
  push(text: string): SseEvent[] {
    this.#buffer += text;
    const events: SseEvent[] = [];
    // A trailing '\r' may be the first half of a CRLF split across chunks: wait for more.
    const lines = this.#buffer.split(/\r\n|\r(?!$)|\n/);
    this.#buffer = lines.pop() ?? '';
    for (const line of lines) {
      const event = this.#line(line);
      if (event !== undefined) events.push(event);
    }
    return events;
  }

  #line(line: string): SseEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const event = this.#event || 'message';
    const data = this.#data;
    this.#event = '';
    this.#data = [];
    if (data.length === 0) return undefined;
    return { event, data: data.join('\n') };
  }
}
