/**
 * @module db/scoped
 * Runs a transaction under a Postgres role with JWT claims set the way PostgREST sets them
 * (`set_config('role', …, true)` and `set_config('request.jwt.claims', …, true)`), so every
 * row-level security policy written for Supabase applies unchanged.
 */
import type { JwtClaims, Queryable } from './database.js';

export type ScopedRole = 'authenticated' | 'service_role';

type Transaction = <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>;

export function runScoped<T>(
  transaction: Transaction,
  role: ScopedRole,
  claims: Record<string, unknown>,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return transaction(async (tx) => {
    await tx.query(
      "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)",
      [role, JSON.stringify(claims)],
    );
    return fn(tx);
  });
}

export function userClaims(claims: JwtClaims): Record<string, unknown> {
  // The database role is fixed by the path taken, never by a claim a caller supplied.
  return { ...claims, role: 'authenticated' };
}

export const SERVICE_CLAIMS: Readonly<Record<string, unknown>> = Object.freeze({
  role: 'service_role',
});
