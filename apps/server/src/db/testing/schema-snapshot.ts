/**
 * @module db/testing/schema-snapshot
 * A comparable description of the schema a migration leaves behind, read from the catalogues:
 * tables and columns, constraints, indexes, row-level security, policies, triggers (including
 * those on auth.users), functions and every privilege. Two snapshots are equal exactly when
 * nothing a migration can change differs, so "applying twice changes nothing" is one `toEqual`.
 * OIDs and other physical details are left out on purpose.
 */
import type { Queryable } from '../database.js';

const SCHEMAS = ['public', 'supabase_migrations'];

const QUERIES: Readonly<Record<string, string>> = {
  columns: `
    select table_schema, table_name, column_name, ordinal_position, data_type, is_nullable,
           column_default, character_maximum_length, numeric_precision, numeric_scale
    from information_schema.columns where table_schema = any($1)
    order by 1, 2, 4`,
  constraints: `
    select n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid) as definition
    from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = any($1) order by 1, 2, 3`,
  indexes: `
    select schemaname, tablename, indexname, indexdef from pg_indexes
    where schemaname = any($1) order by 1, 2, 3`,
  relations: `
    select n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
           c.relacl::text as acl
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = any($1) and c.relkind in ('r', 'v', 'm', 'S', 'p') order by 1, 2`,
  columnPrivileges: `
    select table_schema, table_name, column_name, grantee, privilege_type
    from information_schema.column_privileges where table_schema = any($1) order by 1, 2, 3, 4, 5`,
  policies: `
    select schemaname, tablename, policyname, permissive, roles::text as roles, cmd, qual, with_check
    from pg_policies where schemaname = any($1) order by 1, 2, 3`,
  triggers: `
    select n.nspname, c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid) as definition
    from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
    where not t.tgisinternal and (n.nspname = any($1) or n.nspname = 'auth') order by 1, 2, 3`,
  functions: `
    select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) as args,
           pg_get_functiondef(p.oid) as definition, p.proacl::text as acl
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = any($1) order by 1, 2, 3`,
  schemas: `
    select nspname, nspacl::text as acl from pg_namespace where nspname = any($1) order by 1`,
};

export type SchemaSnapshot = Record<string, unknown[]>;

export async function schemaSnapshot(
  db: Queryable,
  schemas: readonly string[] = SCHEMAS,
): Promise<SchemaSnapshot> {
  const snapshot: SchemaSnapshot = {};
  for (const [name, sql] of Object.entries(QUERIES)) {
    snapshot[name] = (await db.query(sql, [schemas])).rows;
  }
  return snapshot;
}

/** Every object that lives in the `auth` schema (relations, functions, types), by name. */
export async function authSchemaObjects(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ object: string }>(`
    select 'relation ' || relname as object from pg_class
      where relnamespace = 'auth'::regnamespace
    union all
    select 'function ' || proname || '(' || pg_get_function_identity_arguments(oid) || ')' from pg_proc
      where pronamespace = 'auth'::regnamespace
    union all
    select 'type ' || typname from pg_type where typnamespace = 'auth'::regnamespace
    order by 1`);
  return rows.map((row) => row.object);
}
