/**
 * @module cli/admin-cli
 * `npm run admin -- <command>`: operator tasks that no API exposes, run as the database owner
 * against the configured database (after bringing its schema up to date).
 *
 * @example
 * process.exitCode = await runAdminCli(['set-tier', 'ada@example.com', 'studio'], { io: processIo });
 */
import { TIERS, type Tier } from '@atlas/protocol';
import { loadConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';
import { createLogger } from '../observability/logger.js';
import { type CliIo, type Connect, runCommand, UsageError, withDatabase } from './cli-io.js';

export const ADMIN_USAGE = `Usage: npm run admin -- <command>

Commands:
  set-tier <email> <${TIERS.join('|')}>   Change a user's subscription tier
  --help                              Show this help`;

export interface AdminCliDeps {
  io: CliIo;
  /** Opens a migrated database; defaults to the one the environment configures. */
  connect?: Connect;
}

export interface TierChange {
  userId: string;
  previous: Tier;
  current: Tier;
}

function isTier(value: string): value is Tier {
  return (TIERS as readonly string[]).includes(value);
}

/**
 * Sets the tier of the user with this email (case-insensitive). Runs as the owner: users can
 * never change their own tier, so this is one of the few paths that may.
 */
export async function setTier(db: Database, email: string, tier: Tier): Promise<TierChange> {
  return db.transaction(async (tx) => {
    const users = await tx.query<{ id: string }>(
      'select id from auth.users where lower(email) = lower($1)',
      [email],
    );
    const [user, ...others] = users.rows;
    if (user === undefined) throw new Error(`no user with email ${email}`);
    if (others.length > 0) throw new Error(`${users.rows.length} users share email ${email}`);
    // A user created before the profile trigger existed may have no profile yet.
    await tx.query(
      'insert into public.profiles (id, email) select id, email from auth.users where id = $1 on conflict (id) do nothing',
      [user.id],
    );
    // The CTE reads the row before the update, in the same statement that locks and changes it.
    const { rows } = await tx.query<{ previous: Tier; current: Tier }>(
      `with old as (select id, tier from public.profiles where id = $1 for update)
       update public.profiles p set tier = $2 from old where p.id = old.id
       returning old.tier as previous, p.tier as current`,
      [user.id, tier],
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`no profile for user ${user.id}`);
    return { userId: user.id, previous: row.previous, current: row.current };
  });
}

const defaultConnect: Connect = () => {
  const config = loadConfig();
  // Start-up chatter would bury the one line this tool prints; warnings still reach stderr.
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  return openDatabase(config, logger);
};

export async function runAdminCli(argv: readonly string[], deps: AdminCliDeps): Promise<number> {
  const { io } = deps;
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.out(ADMIN_USAGE);
    return 0;
  }
  return runCommand(io, ADMIN_USAGE, async () => {
    if (command === undefined) throw new UsageError('no command given');
    if (command !== 'set-tier') throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    const [email, tier] = rest;
    if (rest.length !== 2 || email === undefined || tier === undefined) {
      throw new UsageError('set-tier takes an email and a tier');
    }
    if (!isTier(tier)) {
      throw new UsageError(
        `unknown tier ${JSON.stringify(tier)}; expected one of ${TIERS.join(', ')}`,
      );
    }
    const change = await withDatabase(deps.connect ?? defaultConnect, (db) =>
      setTier(db, email, tier),
    );
    io.out(`${email}: ${change.previous} → ${change.current}`);
  });
}
