/**
 * @module voice/connection/reconnect-policy
 * What the client does when the voice socket closes, by close code, and how long it waits
 * before each reconnect: 1, 2, 4, 8, 16 s (never more than 30 s), five attempts, as the voice
 * protocol says. Codes that mean "stop" (auth, tier, limits, protocol errors) never reconnect:
 * retrying them would only fail again or, worse, count against the user's limits.
 */
import { VOICE_CLOSE_CODES } from '@atlas/protocol';

export type CloseAction =
  /** The call is over as intended. */
  | 'done'
  /** Reconnect (with the session id, so the server resumes the call). */
  | 'resume'
  /** Do not reconnect; tell the user why. */
  | 'stop';

export const RECONNECT_POLICY = { baseDelayMs: 1_000, maxDelayMs: 30_000, maxAttempts: 5 } as const;

export function closeAction(code: number): CloseAction {
  if (code === VOICE_CLOSE_CODES.normal) return 'done';
  if (code >= 4000 && code <= 4999) return 'stop';
  // 1001 server restarting, 1006 dropped (no close frame), 1011 internal error, 1012/1013 …
  return 'resume';
}

/** Delay before reconnect `attempt` (1-based), or undefined when no attempt is left. */
export function reconnectDelayMs(
  attempt: number,
  policy: { baseDelayMs: number; maxDelayMs: number; maxAttempts: number } = RECONNECT_POLICY,
): number | undefined {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > policy.maxAttempts) return undefined;
  return Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
}
