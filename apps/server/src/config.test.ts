import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const secret = 'x'.repeat(32);

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({}, '/srv/atlas');
    expect(config.port).toBe(8787);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe(path.resolve('/srv/atlas', 'data'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.voiceV2Enabled).toBe(true);
    expect(config.logLevel).toBe('info');
    expect(config.corsOrigins).toEqual([]);
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', REDIS_URL: '', PORT: '' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.port).toBe(8787);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/x' }],
    ['REDIS_URL', { REDIS_URL: 'http://localhost' }],
    ['ATLAS_JWT_SECRET', { ATLAS_JWT_SECRET: 'short' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['VOICE_V2_ENABLED', { VOICE_V2_ENABLED: 'maybe' }],
    ['LLM_PROVIDER', { LLM_PROVIDER: 'gpt' }],
  ])('names %s when its value is bad', (variable, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(
      new RegExp(`^Invalid configuration:\\n  - ${variable}: `),
    );
  });

  it('refuses production without a JWT secret or JWKS URL, naming ATLAS_JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /ATLAS_JWT_SECRET: required in production/,
    );
    expect(loadConfig({ NODE_ENV: 'production', ATLAS_JWT_SECRET: secret }).jwt.secret).toBe(
      secret,
    );
    expect(
      loadConfig({
        NODE_ENV: 'production',
        SUPABASE_JWKS_URL: 'https://x.supabase.co/auth/v1/.well-known/jwks.json',
      }).jwt.jwksUrl,
    ).toMatch(/jwks/);
  });

  it('prefers ATLAS_JWT_SECRET over SUPABASE_JWT_SECRET', () => {
    const config = loadConfig({
      ATLAS_JWT_SECRET: `a${secret}`,
      SUPABASE_JWT_SECRET: `s${secret}`,
    });
    expect(config.jwt.secret).toBe(`a${secret}`);
    expect(loadConfig({ SUPABASE_JWT_SECRET: `s${secret}` }).jwt.secret).toBe(`s${secret}`);
  });

  it('keeps debug logging silent in production', () => {
    expect(
      loadConfig({ NODE_ENV: 'production', ATLAS_JWT_SECRET: secret, LOG_LEVEL: 'debug' }).logLevel,
    ).toBe('info');
    expect(loadConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
  });

  it('binds to all interfaces in production and to loopback elsewhere, unless HOST says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'production', ATLAS_JWT_SECRET: secret }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('reads monthly allowance overrides per tier and names a bad one', () => {
    expect(loadConfig({ USAGE_LIMIT_CORE_USD: '12.5' }).usageLimits).toEqual({ core: 12.5 });
    expect(loadConfig({}).usageLimits).toEqual({});
    expect(() => loadConfig({ USAGE_LIMIT_FREE_USD: '-1' })).toThrow(/USAGE_LIMIT_FREE_USD/);
  });

  it('splits CORS_ORIGINS and reads boolean flags', () => {
    const config = loadConfig({
      CORS_ORIGINS: 'https://a.example, https://b.example,',
      VOICE_V2_ENABLED: 'false',
    });
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.voiceV2Enabled).toBe(false);
  });

  it('defaults the OpenAI-compatible models from the model map and lets operators override them', () => {
    expect(loadConfig({}).providers.openai).toMatchObject({
      model: 'gpt-4o-mini',
      ttsModel: 'tts-1',
      ttsVoice: 'alloy',
    });
    expect(
      loadConfig({ OPENAI_MODEL: 'llama3.2', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' })
        .providers.openai,
    ).toMatchObject({
      model: 'llama3.2',
      baseUrl: 'http://127.0.0.1:11434/v1',
    });
  });
});
