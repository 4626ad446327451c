/**
 * @module voice/session-messages
 * Parses a client text frame of a running session and dispatches it. Bad JSON, unknown types
 * and invalid fields are reported through `malformed`, never thrown.
 */
import { clientMessageSchema } from '@atlas/protocol';

export interface ClientTextHandlers {
  ping(id: number): void;
  interrupt(turnId: string | undefined): void;
  text(text: string): void;
  end(): void;
  malformed(message: string): void;
}

/** Text frames are control messages; anything this large is not one. */
const MAX_TEXT_FRAME_CHARS = 64 * 1024;

export function handleClientText(raw: string, handlers: ClientTextHandlers): void {
  if (raw.length > MAX_TEXT_FRAME_CHARS) {
    handlers.malformed('Text frame too large.');
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    handlers.malformed('Text frames must be JSON objects with a "type".');
    return;
  }
  const parsed = clientMessageSchema.safeParse(json);
  if (!parsed.success) {
    const type =
      typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
    handlers.malformed(
      typeof type === 'string' &&
        !['session_start', 'ping', 'interrupt', 'text', 'session_end'].includes(type)
        ? `Unknown message type "${type.slice(0, 40)}".`
        : `Invalid message: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'message'} ${issue.message}`).join('; ')}`,
    );
    return;
  }
  const message = parsed.data;
  switch (message.type) {
    case 'ping':
      handlers.ping(message.id);
      return;
    case 'interrupt':
      handlers.interrupt(message.turnId);
      return;
    case 'text':
      handlers.text(message.text);
      return;
    case 'session_end':
      handlers.end();
      return;
    case 'session_start':
      handlers.malformed('The session has already started.');
      return;
  }
}
