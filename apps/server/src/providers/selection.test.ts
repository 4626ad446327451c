import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { type OfflineEngines, planProviders, reportOf } from './selection.js';

const installed: OfflineEngines = {
  pocketsphinx: { available: true, detail: 'ok' },
  espeak: { available: true, detail: 'ok' },
};
const missing: OfflineEngines = {
  pocketsphinx: {
    available: false,
    detail:
      'cannot load libpocketsphinx.so.3: install the Debian packages libpocketsphinx3 pocketsphinx-en-us',
  },
  espeak: { available: false, detail: 'espeak-ng not found: install the Debian package espeak-ng' },
};

describe('provider plan', () => {
  it('with no keys uses the offline providers', () => {
    const plan = planProviders(loadConfig({}), installed);
    expect(plan).toEqual({
      llm: ['offline'],
      stt: ['pocketsphinx'],
      tts: ['espeak'],
      problems: [],
    });
    expect(reportOf(plan)).toMatchObject({
      llm: 'offline',
      stt: 'pocketsphinx',
      tts: 'espeak',
      voice: true,
    });
  });

  it('with keys chains the vendors first and the offline engines after them', () => {
    const config = loadConfig({
      ANTHROPIC_API_KEY: 'a',
      OPENAI_API_KEY: 'o',
      DEEPGRAM_API_KEY: 'd',
    });
    expect(planProviders(config, installed)).toMatchObject({
      llm: ['anthropic', 'openai'],
      stt: ['deepgram', 'pocketsphinx'],
      tts: ['openai', 'espeak'],
    });
  });

  it('uses an OpenAI-compatible server given only its base URL (Ollama needs no key)', () => {
    expect(
      planProviders(loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }), installed).llm,
    ).toEqual(['openai']);
  });

  it('says what to install when the offline engines are missing, and disables voice without them', () => {
    const plan = planProviders(loadConfig({}), missing);
    expect(plan.stt).toEqual([]);
    expect(plan.problems.join('\n')).toMatch(/libpocketsphinx3 pocketsphinx-en-us/);
    expect(plan.problems.join('\n')).toMatch(/espeak-ng/);
    expect(reportOf(plan).voice).toBe(false);
  });

  it('honours a forced choice, and refuses one that cannot start with a clear message', () => {
    const keys = { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o', DEEPGRAM_API_KEY: 'd' };
    expect(
      planProviders(
        loadConfig({
          ...keys,
          LLM_PROVIDER: 'openai',
          STT_PROVIDER: 'pocketsphinx',
          TTS_PROVIDER: 'espeak',
        }),
        installed,
      ),
    ).toMatchObject({
      llm: ['openai'],
      stt: ['pocketsphinx'],
      tts: ['espeak'],
    });
    expect(() => planProviders(loadConfig({ LLM_PROVIDER: 'anthropic' }), installed)).toThrow(
      /LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY/,
    );
    expect(() => planProviders(loadConfig({ STT_PROVIDER: 'deepgram' }), installed)).toThrow(
      /DEEPGRAM_API_KEY/,
    );
    expect(() => planProviders(loadConfig({ STT_PROVIDER: 'pocketsphinx' }), missing)).toThrow(
      /libpocketsphinx3/,
    );
    expect(() => planProviders(loadConfig({ TTS_PROVIDER: 'espeak' }), missing)).toThrow(
      /espeak-ng/,
    );
  });
});
