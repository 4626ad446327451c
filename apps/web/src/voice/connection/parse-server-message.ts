/**
 * @module voice/connection/parse-server-message
 * Every text frame from the gateway is checked against the protocol's schema before anything
 * acts on it: unknown or malformed messages are reported (and dropped) instead of half-handled.
 */
import { type ServerMessage, serverMessageSchema } from '@atlas/protocol';

export type ParsedServerMessage =
  | { ok: true; message: ServerMessage }
  | { ok: false; reason: string; type: string | undefined };

export function parseServerMessage(text: string): ParsedServerMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON', type: undefined };
  }
  const type =
    typeof json === 'object' &&
    json !== null &&
    typeof (json as { type?: unknown }).type === 'string'
      ? (json as { type: string }).type
      : undefined;
  const parsed = serverMessageSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues[0]?.message ?? 'invalid', type };
  }
  return { ok: true, message: parsed.data };
}
