import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

describe('logger', () => {
  it('redacts tokens, keys, passwords and emails wherever they sit in structured fields', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer eyJ.secret.sig', cookie: 'sb=1' } },
        email: 'ada@example.com',
        user: { email: 'ada@example.com', password: 'hunter22', refresh_token: 'r-123' },
        provider: { apiKey: 'sk-live-123' },
      },
      'signed in',
    );
    const line = lines.join('');
    for (const secret of [
      'eyJ.secret.sig',
      'sb=1',
      'ada@example.com',
      'hunter22',
      'r-123',
      'sk-live-123',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('[redacted]');
    expect(line).toContain('signed in');
  });

  it('drops debug lines at info level', () => {
    const { lines, logger } = capture();
    logger.debug('noisy');
    expect(lines).toEqual([]);
  });
});
