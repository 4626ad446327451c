import { describe, expect, it } from 'vitest';
import { loadClientConfig } from './config.js';

const CONFIG = {
  version: '1',
  voiceV2Enabled: false,
  voiceAvailable: true,
  auth: { url: null, anonKey: null },
  offline: true,
  providers: { stt: 's', llm: 'l', tts: 't' },
};

describe('loadClientConfig', () => {
  it('returns the checked configuration', async () => {
    await expect(loadClientConfig({ fetch: async () => Response.json(CONFIG) })).resolves.toEqual(
      CONFIG,
    );
  });

  it('refuses an answer that is not a configuration', async () => {
    await expect(
      loadClientConfig({ fetch: async () => Response.json({ version: 1 }) }),
    ).rejects.toMatchObject({ code: 'internal' });
  });

  it('gives up on a server that never answers instead of hanging', async () => {
    const hung: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    await expect(loadClientConfig({ fetch: hung, timeoutMs: 20 })).rejects.toMatchObject({
      code: 'network',
      message: 'Atlas did not answer in time.',
    });
  });
});
