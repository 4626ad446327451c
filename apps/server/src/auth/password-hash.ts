/**
 * @module auth/password-hash
 * Password hashing with scrypt from node:crypto. Hashes describe themselves
 * (`$scrypt$n=32768,r=8,p=1$<salt>$<hash>`, base64url), so parameters can be raised later
 * without breaking stored hashes; comparison is constant-time.
 *
 * @example
 * const stored = await hashPassword('correct horse battery staple');
 * await verifyPassword('correct horse battery staple', stored); // true
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  n: number;
  r: number;
  p: number;
}

/** About 32 MiB and tens of milliseconds per hash: OWASP's scrypt minimum is n=2^17,r=8,p=1 or
 * n=2^15 with more rounds; 2^15 keeps logins quick on a small server. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({
  n: 2 ** 15,
  r: 8,
  p: 1,
});
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Bounds for parameters read back from storage, so a corrupt row cannot exhaust the server. */
const LIMITS = { maxN: 2 ** 20, maxR: 32, maxP: 16 };
const FORMAT = /^\$scrypt\$n=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function derive(
  password: string,
  salt: Buffer,
  keyLength: number,
  params: ScryptParams,
): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.n,
    r: params.r,
    p: params.p,
    // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is just too small for n=2^15, r=8.
    maxmem: 256 * params.n * params.r,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, params);
  return `$scrypt$n=${params.n},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const match = FORMAT.exec(stored);
  if (!match) return undefined;
  const [, n, r, p, salt, key] = match;
  const params = { n: Number(n), r: Number(r), p: Number(p) };
  const powerOfTwo = params.n > 1 && (params.n & (params.n - 1)) === 0;
  if (!powerOfTwo || params.n > LIMITS.maxN || params.r < 1 || params.r > LIMITS.maxR)
    return undefined;
  if (params.p < 1 || params.p > LIMITS.maxP) return undefined;
  const keyBytes = Buffer.from(key ?? '', 'base64url');
  if (keyBytes.length < 16) return undefined;
  return { params, salt: Buffer.from(salt ?? '', 'base64url'), key: keyBytes };
}

/** True when `password` matches `stored`; false for a mismatch or an unreadable hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (parsed === undefined) return false;
  const candidate = await derive(password, parsed.salt, parsed.key.length, parsed.params);
  return timingSafeEqual(candidate, parsed.key);
}

let decoy: Promise<string> | undefined;

/**
 * Spends the time of one verification when there is no user to verify against, so response
 * times do not reveal which email addresses have accounts.
 */
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoy ??= hashPassword(randomBytes(16).toString('base64url'));
  await verifyPassword(password, await decoy);
  return false;
}
