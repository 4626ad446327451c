/**
 * @module auth/dev-secret
 * The HS256 secret Atlas signs its own tokens with: the configured one, or (outside production)
 * a random development secret kept in `<dataDir>/jwt-secret` so sessions survive restarts.
 *
 * @example
 * const secret = await resolveJwtSecret(config, logger);
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';

export const DEV_SECRET_FILE = 'jwt-secret';
const MIN_SECRET_LENGTH = 32;

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

async function readSecret(file: string): Promise<string | undefined> {
  try {
    const secret = (await readFile(file, 'utf8')).trim();
    return secret.length >= MIN_SECRET_LENGTH ? secret : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Returns `config.jwt.secret` when set; otherwise reads, or creates (48 random bytes, base64url,
 * mode 0600), the development secret file and warns that it is in use.
 *
 * @remarks `loadConfig` already refuses production without a secret; this refuses it again
 * rather than ever signing production tokens with a file-based secret.
 */
export async function resolveJwtSecret(
  config: Pick<Config, 'jwt' | 'dataDir' | 'nodeEnv'>,
  logger: Logger,
): Promise<string> {
  if (config.jwt.secret !== undefined) return config.jwt.secret;
  if (config.nodeEnv === 'production') {
    throw new Error(
      'ATLAS_JWT_SECRET is required in production; refusing to use a development secret',
    );
  }
  const file = path.join(config.dataDir, DEV_SECRET_FILE);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });

  let secret = await readSecret(file);
  if (secret === undefined) {
    const fresh = randomBytes(48).toString('base64url');
    try {
      // `wx`: when two processes start at once, the second reads the first one's secret.
      await writeFile(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
      secret = fresh;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      secret = await readSecret(file);
      if (secret === undefined) {
        // An existing file too short to be a secret (truncated, edited): replace it.
        await writeFile(file, `${fresh}\n`, { mode: 0o600 });
        secret = fresh;
      }
    }
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);

  logger.warn(
    { secretFile: file },
    'No ATLAS_JWT_SECRET configured: signing tokens with a development secret. Set ATLAS_JWT_SECRET before deploying.',
  );
  return secret;
}
