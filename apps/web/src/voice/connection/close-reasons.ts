/**
 * @module voice/connection/close-reasons
 * Close codes of the voice socket in words for people: what happened and what they can do.
 * The server's own `error` message (sent before every close) is more precise, so it is shown
 * alongside when there was one.
 */
import { VOICE_CLOSE_CODES } from '@atlas/protocol';

const WORDS: Record<number, string> = {
  [VOICE_CLOSE_CODES.normal]: 'The call has ended.',
  [VOICE_CLOSE_CODES.serverShutdown]: 'Atlas is restarting. Reconnecting to resume your call…',
  1006: 'The connection to Atlas was lost.',
  [VOICE_CLOSE_CODES.internalError]: 'Something went wrong on Atlas’s side.',
  [VOICE_CLOSE_CODES.protocolError]:
    'The call was stopped because the app sent messages Atlas did not understand. Reload the page and try again.',
  [VOICE_CLOSE_CODES.unauthorized]: 'Your session has ended. Please sign in again.',
  [VOICE_CLOSE_CODES.tierRequired]:
    'Real-time voice is a Studio feature. Upgrade to Studio to talk to Atlas.',
  [VOICE_CLOSE_CODES.limitReached]:
    'The call reached its limit (its budget, its maximum length or your monthly allowance).',
  [VOICE_CLOSE_CODES.idleTimeout]: 'The call ended after 10 minutes without speech.',
  [VOICE_CLOSE_CODES.tooManySessions]:
    'You have too many voice calls open, or sent audio too fast. Close another call and try again.',
};

/** Words for a close code, with the server's explanation when it sent one. */
export function describeClose(code: number, serverMessage?: string): string {
  const words = WORDS[code] ?? `The connection closed unexpectedly (code ${code}).`;
  if (serverMessage === undefined || serverMessage.trim() === '' || words.includes(serverMessage)) {
    return words;
  }
  return `${words} ${serverMessage}`;
}
