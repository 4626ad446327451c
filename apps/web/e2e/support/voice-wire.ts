/**
 * @module e2e/support/voice-wire
 * What the page's voice WebSockets carried, read from Chromium through Playwright: the JSON
 * messages the gateway sent (by type) and the client messages the page sent. Lets a browser test
 * check the wire (a resumed session, an `interrupt`) beside what the page shows.
 */
import type { Page } from 'playwright-core';

export interface WireMessage {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface VoiceWire {
  /** Server → client JSON messages, in order, across every voice socket of the page. */
  readonly received: WireMessage[];
  /** Client → server JSON messages, in order. */
  readonly sent: WireMessage[];
  /** Both directions interleaved, with socket open/close events, for failure reports. */
  readonly log: string[];
  /** Voice sockets the page opened. */
  readonly sockets: number;
  of(type: string): WireMessage[];
}

function parse(payload: string | Buffer): WireMessage | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(payload);
    return typeof value === 'object' && value !== null && 'type' in value
      ? (value as WireMessage)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Starts recording the voice sockets `page` opens from now on. */
export function recordVoiceWire(page: Page): VoiceWire {
  const received: WireMessage[] = [];
  const sent: WireMessage[] = [];
  const log: string[] = [];
  let sockets = 0;
  const started = Date.now();
  const note = (text: string) => log.push(`${String(Date.now() - started).padStart(6)} ms ${text}`);
  page.on('websocket', (socket) => {
    if (!new URL(socket.url()).pathname.startsWith('/v2/voice')) return;
    sockets += 1;
    const id = sockets;
    note(`socket ${id} opened`);
    socket.on('close', () => note(`socket ${id} closed`));
    socket.on('socketerror', (error) => note(`socket ${id} error ${error}`));
    socket.on('framereceived', ({ payload }) => {
      const message = parse(payload);
      if (!message) return;
      received.push(message);
      if (message.type !== 'pong') note(`<< ${describe(message)}`);
    });
    socket.on('framesent', ({ payload }) => {
      const message = parse(payload);
      if (!message) return;
      sent.push(message);
      if (message.type !== 'ping') note(`>> ${describe(message)}`);
    });
  });
  return {
    received,
    sent,
    log,
    get sockets() {
      return sockets;
    },
    of: (type) => received.filter((message) => message.type === type),
  };
}

/**
 * Waits until the page has received `count` messages of `type`; returns them. Polls the record
 * (Playwright delivers frames as events, there is nothing to await per message).
 */
export async function waitForWireMessages(
  wire: VoiceWire,
  type: string,
  count = 1,
  timeoutMs = 15_000,
): Promise<WireMessage[]> {
  const deadline = Date.now() + timeoutMs;
  while (wire.of(type).length < count) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${count} "${type}" message(s) on the voice socket`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return wire.of(type);
}

/** A message for a failure report, without the access token. */
function describe({ type, ...fields }: WireMessage): string {
  const { token: _token, ...shown } = fields;
  return `${type} ${JSON.stringify(shown)}`;
}

/** The control messages both ways and the sockets' lives, one a line (audio is not shown). */
export function describeWire(wire: VoiceWire): string {
  return wire.log.join('\n');
}
