/**
 * @module auth/gotrue-store
 * The standalone auth store: `auth.users`, `auth.sessions` and `auth.refresh_tokens`, reached as
 * the owner role (these tables sit outside row-level security). Refresh tokens exist in clear
 * only in responses; the database keeps their SHA-256, and each use rotates the token.
 *
 * @example
 * const store = new AuthStore(db);
 * const signedIn = await store.signIn(user.id, { userAgent, ip });
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../db/database.js';

export interface UserRow {
  id: string;
  aud: string;
  role: string;
  email: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Date | string | null;
  last_sign_in_at: Date | string | null;
  raw_app_meta_data: Record<string, unknown>;
  raw_user_meta_data: Record<string, unknown>;
  created_at: Date | string;
  updated_at: Date | string;
}

/** A session just created or refreshed, with the one clear copy of its new refresh token. */
export interface IssuedSession {
  user: UserRow;
  sessionId: string;
  /** When the user authenticated (the `amr` timestamp), epoch seconds. */
  authenticatedAt: number;
  refreshToken: string;
}

export interface ClientInfo {
  userAgent: string | undefined;
  ip: string | undefined;
}

export type RotationResult =
  | { kind: 'rotated'; session: IssuedSession }
  | { kind: 'not_found' }
  | { kind: 'reused'; userId: string; sessionId: string };

export type LogoutScope = 'global' | 'local' | 'others';

const USER_COLUMNS = `id, aud, role, email, encrypted_password, email_confirmed_at, last_sign_in_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at`;

/** 32 random bytes: 256 bits, base64url (43 characters). */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function epochSeconds(value: Date | string): number {
  return Math.floor(new Date(value).getTime() / 1000);
}

/** Postgres `unique_violation`, as both pg and PGlite report it. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === '23505';
}

export class AuthStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async findUserByEmail(email: string): Promise<UserRow | undefined> {
    const result = await this.#db.query<UserRow>(
      `select ${USER_COLUMNS} from auth.users where lower(email) = lower($1)`,
      [email],
    );
    return result.rows[0];
  }

  async findUserById(id: string): Promise<UserRow | undefined> {
    const result = await this.#db.query<UserRow>(
      `select ${USER_COLUMNS} from auth.users where id = $1`,
      [id],
    );
    return result.rows[0];
  }

  /** Whether `sessionId` belongs to `userId` and has not been signed out. */
  async isSessionActive(sessionId: string, userId: string): Promise<boolean> {
    const result = await this.#db.query(
      'select 1 from auth.sessions where id = $1 and user_id = $2 and revoked_at is null',
      [sessionId, userId],
    );
    return result.rows.length > 0;
  }

  /**
   * Creates a confirmed user and signs it in, in one transaction.
   * @throws the database's unique violation when the email is taken (see {@link isUniqueViolation}).
   */
  signUp(
    input: { email: string; passwordHash: string; metadata: Record<string, unknown> },
    client: ClientInfo,
  ): Promise<IssuedSession> {
    return this.#db.transaction(async (tx) => {
      const inserted = await tx.query<{ id: string }>(
        `insert into auth.users (email, encrypted_password, email_confirmed_at, raw_user_meta_data)
         values ($1, $2, now(), $3::jsonb) returning id`,
        [input.email, input.passwordHash, JSON.stringify(input.metadata)],
      );
      const id = inserted.rows[0]?.id;
      if (id === undefined) throw new Error('insert into auth.users returned no row');
      return startSession(tx, id, client);
    });
  }

  /** Starts a session for a user whose password was just checked. */
  signIn(userId: string, client: ClientInfo): Promise<IssuedSession> {
    return this.#db.transaction((tx) => startSession(tx, userId, client));
  }

  /**
   * Spends `token` and issues its successor. A token that was already spent revokes its whole
   * session: either the client raced itself or someone replays a stolen token.
   */
  rotate(token: string): Promise<RotationResult> {
    const hash = hashRefreshToken(token);
    return this.#db.transaction(async (tx): Promise<RotationResult> => {
      const spent = await tx.query<{
        user_id: string;
        session_id: string;
        session_created_at: Date | string;
      }>(
        `update auth.refresh_tokens rt set revoked = true, updated_at = now()
         from auth.sessions s
         where rt.token_hash = $1 and not rt.revoked and s.id = rt.session_id and s.revoked_at is null
         returning rt.user_id, rt.session_id, s.created_at as session_created_at`,
        [hash],
      );
      const row = spent.rows[0];
      if (row === undefined) return classifyUnusable(tx, hash);
      await tx.query('update auth.sessions set refreshed_at = now() where id = $1', [
        row.session_id,
      ]);
      const refreshToken = await insertRefreshToken(tx, row.user_id, row.session_id, hash);
      const user = await userById(tx, row.user_id);
      return {
        kind: 'rotated',
        session: {
          user,
          sessionId: row.session_id,
          authenticatedAt: epochSeconds(row.session_created_at),
          refreshToken,
        },
      };
    });
  }

  /** Signs out `scope` relative to the session `sessionId` of `userId`. */
  logout(userId: string, sessionId: string | undefined, scope: LogoutScope): Promise<void> {
    return this.#db.transaction(async (tx) => {
      let filter = 'user_id = $1';
      const params: unknown[] = [userId];
      if (scope !== 'global') {
        if (sessionId === undefined) return;
        filter += scope === 'local' ? ' and id = $2' : ' and id <> $2';
        params.push(sessionId);
      }
      const revoked = await tx.query<{ id: string }>(
        `update auth.sessions set revoked_at = now() where ${filter} and revoked_at is null returning id`,
        params,
      );
      await revokeTokensOf(
        tx,
        revoked.rows.map((r) => r.id),
      );
    });
  }
}

async function userById(tx: Queryable, id: string): Promise<UserRow> {
  const result = await tx.query<UserRow>(`select ${USER_COLUMNS} from auth.users where id = $1`, [
    id,
  ]);
  const user = result.rows[0];
  if (user === undefined) throw new Error('the session refers to a missing user');
  return user;
}

async function insertRefreshToken(
  tx: Queryable,
  userId: string,
  sessionId: string,
  parent: string | null,
) {
  const token = newRefreshToken();
  await tx.query(
    'insert into auth.refresh_tokens (token_hash, user_id, session_id, parent) values ($1, $2, $3, $4)',
    [hashRefreshToken(token), userId, sessionId, parent],
  );
  return token;
}

async function startSession(
  tx: Queryable,
  userId: string,
  client: ClientInfo,
): Promise<IssuedSession> {
  const session = await tx.query<{ id: string; created_at: Date | string }>(
    'insert into auth.sessions (user_id, user_agent, ip) values ($1, $2, $3) returning id, created_at',
    [userId, client.userAgent ?? null, client.ip ?? null],
  );
  const row = session.rows[0];
  if (row === undefined) throw new Error('insert into auth.sessions returned no row');
  await tx.query(
    'update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1',
    [userId],
  );
  const refreshToken = await insertRefreshToken(tx, userId, row.id, null);
  const user = await userById(tx, userId);
  return { user, sessionId: row.id, authenticatedAt: epochSeconds(row.created_at), refreshToken };
}

async function revokeTokensOf(tx: Queryable, sessionIds: string[]) {
  if (sessionIds.length === 0) return;
  await tx.query(
    'update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = any($1::uuid[]) and not revoked',
    [sessionIds],
  );
}

/** Why a refresh token could not be spent; a replayed one ends its session. */
async function classifyUnusable(tx: Queryable, hash: string): Promise<RotationResult> {
  const found = await tx.query<{ user_id: string; session_id: string; session_revoked: boolean }>(
    `select rt.user_id, rt.session_id, s.revoked_at is not null as session_revoked
     from auth.refresh_tokens rt join auth.sessions s on s.id = rt.session_id
     where rt.token_hash = $1`,
    [hash],
  );
  const row = found.rows[0];
  // Unknown, or belonging to a session already signed out: simply not a valid token any more.
  if (row === undefined || row.session_revoked) return { kind: 'not_found' };
  await tx.query(
    'update auth.sessions set revoked_at = now() where id = $1 and revoked_at is null',
    [row.session_id],
  );
  await revokeTokensOf(tx, [row.session_id]);
  return { kind: 'reused', userId: row.user_id, sessionId: row.session_id };
}
