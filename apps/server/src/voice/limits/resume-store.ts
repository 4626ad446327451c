/**
 * @module voice/limits/resume-store
 * Resume tickets: what a voice session needs to continue on a new connection, possibly on
 * another instance (conversation id, cost so far, start time, turn count …). A live session
 * keeps a *standing* ticket (saved at start, refreshed after each turn and on a timer), so the
 * session stays resumable even when its instance dies without a word; an orderly end releases
 * it, an unexpected drop replaces it with the final one. The client reconnects with
 * `resumeSessionId` and the instance it reaches takes the ticket: once only, and only for the
 * user who owned the session.
 *
 * Every ticket has an owner: the one run of the session allowed to write it. Taking a ticket
 * makes the taker its owner, so if the old run is still alive (a half-open connection) its next
 * checkpoint fails and it knows to end quietly: a session id never runs twice. Implementations:
 * {@link RedisResumeStore} (shared) and {@link MemoryResumeStore} (one process).
 *
 * @example
 * // a live session, at start, after every turn and on its heartbeat:
 * if (!(await resumeStore.checkpoint({ sessionId, userId, state }, owner))) endQuietly();
 * // on `session_start` with `resumeSessionId`, after the JWT gave `userId`:
 * const ticket = await resumeStore.take(start.resumeSessionId, userId, newOwner);
 * if (ticket === undefined) startFresh(); else continueFrom(ticket.state);
 * // an orderly end:
 * await resumeStore.release(sessionId, userId, owner);
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

/**
 * All methods take `ttlMs` (default: the store's TTL, the resume window, 60 s) for how long the
 * ticket, or the mark saying who owns the session, lives without another write.
 */
export interface ResumeStore<S = ResumeState> {
  /**
   * Saves (or replaces) the ticket on behalf of `owner`, unless another owner holds the
   * session now (it was taken, or ended). Atomic across instances.
   * @returns false when another owner holds it: the caller's run of the session is over.
   * Throws `payload_too_large` when the encoded ticket exceeds the size cap.
   */
  checkpoint(ticket: ResumeTicket<S>, owner: string, ttlMs?: number): Promise<boolean>;
  /**
   * Atomically gets the ticket and makes `claimant` the session's owner (the ticket itself is
   * gone until the claimant checkpoints). Returns undefined when there is none, it expired, it
   * was taken already, or it belongs to another user (who cannot consume it either).
   */
  take(
    sessionId: string,
    userId: string,
    claimant: string,
    ttlMs?: number,
  ): Promise<ResumeTicket<S> | undefined>;
  /**
   * An orderly end: drops the ticket and marks the session ended, so a stale run's later
   * checkpoint fails too. Does nothing and returns false when another owner holds it.
   */
  release(sessionId: string, userId: string, owner: string, ttlMs?: number): Promise<boolean>;
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
    return { json, ttlMs: this.ttl(ttlMs) };
  }

  /** Validates an optional `ttlMs` argument, defaulting to the store's. */
  ttl(ttlMs: number | undefined): number {
    return positiveInteger('ttlMs', ttlMs ?? this.ttlMs);
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

/**
 * Key of a ticket; the user is part of it so another user's `take` cannot even see it.
 * (`resume-ticket`, not the `resume` of the earlier unowned string tickets: those were a
 * different Redis type.)
 */
export function ticketKey(prefix: string, sessionId: string, userId: string): string {
  return `${prefix}:resume-ticket:${encodeURIComponent(userId)}:${encodeURIComponent(sessionId)}`;
}

/** Owner mark of a session that ended in order: no run of it may write a ticket again. */
export const ENDED_OWNER = '';

export function assertOwner(owner: unknown): void {
  assertId('owner', owner);
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
