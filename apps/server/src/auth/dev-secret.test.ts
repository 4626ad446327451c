import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../observability/logger.js';
import { DEV_SECRET_FILE, resolveJwtSecret } from './dev-secret.js';

function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('resolveJwtSecret', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'atlas-auth-')), 'data');
  });
  afterEach(async () => {
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  const config = (
    secret?: string,
    nodeEnv: 'development' | 'production' | 'test' = 'development',
  ) => ({
    jwt: { secret, jwksUrl: undefined },
    dataDir,
    nodeEnv,
  });

  it('returns the configured secret and touches nothing on disk', async () => {
    const { logger, lines } = capturingLogger();
    const secret = 'configured-secret-configured-secret-0123';
    expect(await resolveJwtSecret(config(secret), logger)).toBe(secret);
    await expect(stat(dataDir)).rejects.toThrow();
    expect(lines).toEqual([]);
  });

  it('creates a random 0600 development secret, then reuses it', async () => {
    const { logger, lines } = capturingLogger();
    const first = await resolveJwtSecret(config(), logger);
    expect(first).toMatch(/^[A-Za-z0-9_-]{64}$/);
    const file = path.join(dataDir, DEV_SECRET_FILE);
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await resolveJwtSecret(config(), logger)).toBe(first);

    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]?.level).toBe(40);
    expect(warnings[0]?.msg).toMatch(/development secret/);
    expect(lines.join('')).not.toContain(first);
  });

  it('gives different installations different secrets', async () => {
    const { logger } = capturingLogger();
    const first = await resolveJwtSecret(config(), logger);
    await rm(dataDir, { recursive: true });
    expect(await resolveJwtSecret(config(), logger)).not.toBe(first);
  });

  it('replaces a file too short to be a secret, and tightens loose permissions', async () => {
    const { logger } = capturingLogger();
    await resolveJwtSecret(config(), logger);
    const file = path.join(dataDir, DEV_SECRET_FILE);
    await writeFile(file, 'short\n', { mode: 0o644 });
    const replaced = await resolveJwtSecret(config(), logger);
    expect(replaced).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('never generates a secret in production', async () => {
    const { logger } = capturingLogger();
    await expect(resolveJwtSecret(config(undefined, 'production'), logger)).rejects.toThrow(
      /ATLAS_JWT_SECRET/,
    );
    await expect(stat(dataDir)).rejects.toThrow();
  });
});
