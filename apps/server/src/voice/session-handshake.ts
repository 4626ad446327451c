/**
 * @module voice/session-handshake
 * Turns a `session_start` into a session context, in the protocol's order: the JWT is verified,
 * then the tier, then (for a resume) the resume ticket, then the user's concurrency slot. Any
 * failure is a VoiceSessionError carrying its close code; nothing is left held.
 */
import {
  MODEL_MAP,
  type SessionStart,
  type Tier,
  tierSchema,
  VOICE_CLOSE_CODES,
} from '@atlas/protocol';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Database, JwtClaims } from '../db/database.js';
import type { LlmMessage } from '../providers/llm/llm.js';
import type { CostSnapshot } from './cost-meter.js';
import type { ResumeStore } from './limits/resume-store.js';
import type { SessionRegistry } from './limits/session-registry.js';
import { VoiceSessionError } from './voice-session-error.js';

/** What a resume ticket carries between connections (and instances). */
export interface ResumeTicketState extends Record<string, unknown> {
  conversationId: string;
  /** Epoch ms: the duration limit counts from the original start. */
  startedAt: number;
  cost: CostSnapshot;
  turnCount: number;
  /**
   * The session's own recent history: the database copy may lag behind (records are written in
   * the background, and wait while the database is unreachable), so a resume must not need it.
   */
  history: LlmMessage[];
  /**
   * The session created its conversation. A resume enqueues that (idempotent) record again:
   * the first instance may never have written it (a database outage, a killed instance), and
   * the messages written from here on need it. Absent in tickets of earlier versions.
   */
  newConversation?: boolean;
}

export interface SessionContext {
  sessionId: string;
  userId: string;
  claims: JwtClaims;
  tier: Tier;
  model: string;
  conversationId: string;
  newConversation: boolean;
  resumed: boolean;
  startedAt: number;
  history: LlmMessage[];
  costRestore: CostSnapshot | undefined;
  turnCount: number;
  /** This run's claim on the session's resume ticket (see `ResumeStore`): unique per run. */
  ticketOwner: string;
}

export interface HandshakeDeps {
  db: Database;
  verifier: TokenVerifier;
  registry: SessionRegistry;
  resumeStore: ResumeStore<ResumeTicketState>;
  historyMessages: number;
  resumeWindowMs: number;
  newId(): string;
  now(): number;
  /**
   * Admission beyond the tier (e.g. the monthly usage limit); throws an AtlasError to refuse.
   */
  admit?: ((claims: JwtClaims, tier: Tier) => Promise<void>) | undefined;
  /** Maps the tier's voice model to the model the providers really use. */
  resolveModel?: ((tierModel: string) => string) | undefined;
}

async function loadTier(db: Database, claims: JwtClaims): Promise<Tier> {
  const { rows } = await db.withUser(claims, (tx) =>
    tx.query<{ tier: string }>('select tier from public.profiles where id = (select auth.uid())'),
  );
  const parsed = tierSchema.safeParse(rows[0]?.tier);
  return parsed.success ? parsed.data : 'free';
}

async function loadHistory(
  db: Database,
  claims: JwtClaims,
  conversationId: string,
  limit: number,
): Promise<LlmMessage[] | undefined> {
  return db.withUser(claims, async (tx) => {
    const owned = await tx.query(
      'select 1 from public.conversations where id = $1 and deleted_at is null',
      [conversationId],
    );
    if (owned.rows.length === 0) return undefined;
    const { rows } = await tx.query<{ role: 'user' | 'assistant'; content: string }>(
      `select role, content from public.messages
        where conversation_id = $1 and deleted_at is null and role in ('user', 'assistant')
        order by created_at desc limit $2`,
      [conversationId, limit],
    );
    return rows.reverse();
  });
}

/**
 * The ticket a resumed context came from, for a session that never got to run (the client
 * left, or the server began shutting down, during the handshake): giving it back keeps the
 * session resumable. Undefined for a context that did not resume.
 */
export function unusedTicketState(context: SessionContext): ResumeTicketState | undefined {
  if (!context.resumed || context.costRestore === undefined) return undefined;
  return {
    conversationId: context.conversationId,
    startedAt: context.startedAt,
    cost: context.costRestore,
    turnCount: context.turnCount,
    history: context.history,
    newConversation: context.newConversation,
  };
}

export async function handshake(start: SessionStart, deps: HandshakeDeps): Promise<SessionContext> {
  const claims = await deps.verifier.verify(start.token);
  const userId = claims.sub;

  const tier = await loadTier(deps.db, claims);
  const tierModel = MODEL_MAP[tier].voice;
  if (tierModel === null) {
    throw new VoiceSessionError(
      'tier_required',
      VOICE_CLOSE_CODES.tierRequired,
      `Real-time voice is a Studio feature; your plan is ${tier}. Upgrade to Studio to talk to Atlas.`,
    );
  }

  await deps.admit?.(claims, tier);
  const model = deps.resolveModel ? deps.resolveModel(tierModel) : tierModel;

  // Taking the ticket makes this run the session's owner: a run still going elsewhere (a
  // half-open connection) learns so at its next checkpoint and ends, so the id never runs twice.
  const ticketOwner = deps.newId();
  let ticket: ResumeTicketState | undefined;
  if (start.resumeSessionId !== undefined) {
    ticket = (
      await deps.resumeStore.take(start.resumeSessionId, userId, ticketOwner, deps.resumeWindowMs)
    )?.state;
  }
  const sessionId = ticket && start.resumeSessionId ? start.resumeSessionId : deps.newId();

  const slot = await deps.registry.acquire(userId, sessionId);
  if (!slot.ok) {
    // Give the ticket back so the user can still resume once a slot frees up.
    if (ticket)
      await deps.resumeStore
        .checkpoint({ sessionId, userId, state: ticket }, ticketOwner, deps.resumeWindowMs)
        .catch(() => {});
    throw new VoiceSessionError(
      'too_many_sessions',
      VOICE_CLOSE_CODES.tooManySessions,
      `You already have ${slot.active} voice sessions open (the limit is ${deps.registry.maxSessionsPerUser}). End one to start another.`,
    );
  }

  try {
    const conversationId = ticket?.conversationId ?? start.conversationId ?? deps.newId();
    const newConversation =
      ticket === undefined ? start.conversationId === undefined : ticket.newConversation === true;
    let history: LlmMessage[] = ticket?.history ?? [];
    if (ticket === undefined && start.conversationId !== undefined) {
      const loaded = await loadHistory(deps.db, claims, conversationId, deps.historyMessages);
      if (loaded === undefined) {
        throw new VoiceSessionError(
          'not_found',
          VOICE_CLOSE_CODES.protocolError,
          'That conversation does not exist.',
        );
      }
      history = loaded;
    }
    return {
      sessionId,
      userId,
      claims,
      tier,
      model,
      conversationId,
      newConversation,
      resumed: ticket !== undefined,
      startedAt: ticket?.startedAt ?? deps.now(),
      history,
      costRestore: ticket?.cost,
      turnCount: ticket?.turnCount ?? 0,
      ticketOwner,
    };
  } catch (error) {
    await deps.registry.release(userId, sessionId).catch(() => {});
    throw error;
  }
}
