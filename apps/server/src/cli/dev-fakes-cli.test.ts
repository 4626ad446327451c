import { describe, expect, it } from 'vitest';
import { UsageError } from './cli-io.js';
import { describeDevFakes, parseDevFakesArgs, startDevFakes } from './dev-fakes-cli.js';

describe('dev:fakes', () => {
  it('parses the profile and first port, and refuses the rest', () => {
    expect(parseDevFakesArgs([])).toEqual({ profile: 'realistic', port: 8801 });
    expect(parseDevFakesArgs(['--profile', 'zero', '--port', '9000'])).toEqual({
      profile: 'zero',
      port: 9000,
    });
    expect(() => parseDevFakesArgs(['--profile', 'slow'])).toThrow(
      /unknown latency profile "slow"/,
    );
    expect(() => parseDevFakesArgs(['--port', 'x'])).toThrow(UsageError);
  });

  it('starts answering fakes and prints the environment that points Atlas at them', async () => {
    const fakes = await startDevFakes({ profile: 'zero', port: 0 });
    try {
      const lines: string[] = [];
      describeDevFakes(fakes, 'zero', { out: (l) => lines.push(l), err: (l) => lines.push(l) });
      expect(lines.join('\n')).toMatch(/ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+/);
      const reply = await fetch(`${fakes.env.ANTHROPIC_BASE_URL}/v1/messages`, {
        method: 'POST',
        headers: {
          'x-api-key': 'k',
          'anthropic-version': '2023-06-01',
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          model: 'claude-haiku-5-5',
          max_tokens: 20,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(reply.status).toBe(200);
      expect(fakes.env.OPENAI_BASE_URL).toMatch(/\/v1$/);
      expect(fakes.hearing).toBe('pocketsphinx');
    } finally {
      await fakes.close();
    }
  });
});
