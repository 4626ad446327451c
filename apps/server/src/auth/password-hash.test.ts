import { describe, expect, it } from 'vitest';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './password-hash.js';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('writes a self-describing hash with a fresh salt and no trace of the password', async () => {
    const a = await hashPassword('hunter2hunter2');
    const b = await hashPassword('hunter2hunter2');
    expect(a).toMatch(/^\$scrypt\$n=32768,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
  });

  it('honours the parameters stored in the hash', async () => {
    const stored = await hashPassword('p4ssw0rd-p4ssw0rd', { n: 1024, r: 4, p: 2 });
    expect(stored.startsWith('$scrypt$n=1024,r=4,p=2$')).toBe(true);
    expect(await verifyPassword('p4ssw0rd-p4ssw0rd', stored)).toBe(true);
  });

  it('refuses tampered, malformed and dangerous hashes without throwing', async () => {
    const stored = await hashPassword('a-password-123');
    const [, , params, salt, key] = stored.split('$');
    const flipped = `${key?.slice(0, -2)}${key?.endsWith('AA') ? 'AB' : 'AA'}`;
    const cases = [
      `$scrypt$${params}$${salt}$${flipped}`,
      `$scrypt$n=1000,r=8,p=1$${salt}$${key}`, // not a power of two
      `$scrypt$n=1073741824,r=8,p=1$${salt}$${key}`, // would allocate ~1 TiB
      `$scrypt$${params}$${salt}$`,
      'plaintext-password',
      '',
    ];
    for (const bad of cases) expect(await verifyPassword('a-password-123', bad), bad).toBe(false);
  });

  it('normalises Unicode so the same password typed differently still matches', async () => {
    const composed = 'caf\u00e9-latte-42';
    const decomposed = 'cafe\u0301-latte-42';
    expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true);
  });

  it('spends a verification on unknown users and always says no', async () => {
    expect(await verifyAgainstDecoy('anything-at-all')).toBe(false);
  });
});
