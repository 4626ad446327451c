/**
 * @module voice/limits/resume-store
 * Resume tickets: when a voice connection drops unexpectedly, the gateway saves what it needs
 * to continue (conversation id, cost so far, start time, turn count …) for the resume window.
 * The client reconnects with `resumeSessionId`, possibly to another instance, which takes the
 * ticket: once only, and only for the user who owned the session. Implementations:
 * {@link RedisResumeStore} (shared) and {@link MemoryResumeStore} (one process).
 *
 * @example
 * await resumeStore.save({ sessionId, userId, state: { conversationId, costUsd, startedAt, turns } });
 * // later, on `session_start` with `resumeSessionId`, after the JWT gave `userId`:
 * const ticket = await resumeStore.take(start.resumeSessionId, userId);
 * if (ticket === undefined) startFresh(); else continueFrom(ticket.state);
 */
import { VOICE_DEFAULTS } from '@atlas/protocol';
import { AtlasError } from '../../errors.js';

/** Default shape of a ticket's state: a JSON object chosen by the caller. */
export type ResumeState = Readonly<Record<string, unknown>>;

export interface ResumeTicket<S = ResumeState> {
  sessionId: string;
  userId: string;
  /**
   * Opaque to the store. Stored as JSON, so only JSON values survive: a `Date` comes back as
   * a string and `undefined` properties disappear. The store does not validate it on `take`;
   * callers whose state shape changes between deploys should parse it (zod).
   */
  state: S;
}

export interface ResumeStore<S = ResumeState> {
  /**
   * Saves (or replaces) the ticket of `ticket.sessionId` for `ttlMs` (default: the resume
   * window, 60 s). Throws `payload_too_large` when the encoded ticket exceeds the size cap.
   */
  save(ticket: ResumeTicket<S>, ttlMs?: number): Promise<void>;
  /**
   * Atomically gets and deletes the ticket. Returns undefined when there is none, it expired,
   * it was taken already, or it belongs to another user (who cannot consume it either).
   */
  take(sessionId: string, userId: string): Promise<ResumeTicket<S> | undefined>;
}

export const RESUME_STORE_DEFAULTS = {
  ttlMs: VOICE_DEFAULTS.resumeWindowMs,
  /** Tickets hold a handful of ids and counters; anything near this is a bug (e.g. a transcript). */
  maxTicketBytes: 16 * 1024,
} as const;

export interface ResumeStoreOptions {
  /** TTL used when `save` is given none. */
  ttlMs?: number | undefined;
  /** Cap on a ticket's UTF-8 JSON encoding. */
  maxTicketBytes?: number | undefined;
}

/** Resolved options plus the encoding both implementations share. @internal */
export class TicketCodec {
  readonly ttlMs: number;
  readonly maxTicketBytes: number;

  constructor(options: ResumeStoreOptions) {
    this.ttlMs = positiveInteger('ttlMs', options.ttlMs ?? RESUME_STORE_DEFAULTS.ttlMs);
    this.maxTicketBytes = positiveInteger(
      'maxTicketBytes',
      options.maxTicketBytes ?? RESUME_STORE_DEFAULTS.maxTicketBytes,
    );
  }

  /** Encodes and checks a ticket; the JSON snapshot also detaches it from the caller's objects. */
  encode(
    ticket: ResumeTicket<unknown>,
    ttlMs: number | undefined,
  ): { json: string; ttlMs: number } {
    assertId('sessionId', ticket.sessionId);
    assertId('userId', ticket.userId);
    const json = JSON.stringify({
      sessionId: ticket.sessionId,
      userId: ticket.userId,
      state: ticket.state,
    });
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > this.maxTicketBytes) {
      throw new AtlasError(
        'payload_too_large',
        `Resume ticket is ${bytes} bytes, over the ${this.maxTicketBytes}-byte cap`,
        { details: { bytes, maxBytes: this.maxTicketBytes } },
      );
    }
    return { json, ttlMs: positiveInteger('ttlMs', ttlMs ?? this.ttlMs) };
  }

  /** Decodes a stored ticket, returning it only if it is the one asked for. */
  decode<S>(json: string | null | undefined, sessionId: string, userId: string) {
    if (json === null || json === undefined) return undefined;
    const ticket = JSON.parse(json) as ResumeTicket<S>;
    // Keys already include both ids; this guards against a key scheme change or a collision.
    if (ticket.sessionId !== sessionId || ticket.userId !== userId) return undefined;
    return ticket;
  }
}

/** Key of a ticket; the user is part of it so another user's `take` cannot even see it. */
export function ticketKey(prefix: string, sessionId: string, userId: string): string {
  return `${prefix}:resume:${encodeURIComponent(userId)}:${encodeURIComponent(sessionId)}`;
}

function assertId(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new TypeError(`${name} must be a non-empty string of at most 256 characters`);
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
