/**
 * @module config
 * Reads the environment once, validates it with zod and returns a frozen, typed config.
 * A bad value stops start-up with a message that names the variable.
 */
import path from 'node:path';
import { PROVIDER_MODELS, type Tier } from '@atlas/protocol';
import { z } from 'zod';

const nonEmpty = z
  .string()
  .transform((value) => value.trim())
  .pipe(z.string().min(1))
  .optional();

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const postgresUrl = z
  .string()
  .refine(
    (value) => /^postgres(ql)?:\/\//.test(value),
    'must be a postgres:// or postgresql:// URL',
  );

const redisUrl = z
  .string()
  .refine((value) => /^rediss?:\/\//.test(value), 'must be a redis:// or rediss:// URL');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: nonEmpty,
  ATLAS_DATA_DIR: z.string().default('./data'),
  ATLAS_PUBLIC_URL: z.url().optional(),
  DATABASE_URL: postgresUrl.optional(),
  REDIS_URL: redisUrl.optional(),
  ATLAS_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SUPABASE_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SUPABASE_JWKS_URL: z.url().optional(),
  /** A Supabase project the web app signs in against instead of this server's `/auth/v1`. */
  SUPABASE_URL: z.url().optional(),
  SUPABASE_ANON_KEY: nonEmpty,
  ANTHROPIC_API_KEY: nonEmpty,
  ANTHROPIC_BASE_URL: z.url().optional(),
  OPENAI_API_KEY: nonEmpty,
  OPENAI_BASE_URL: z.url().optional(),
  OPENAI_MODEL: nonEmpty,
  OPENAI_TTS_MODEL: nonEmpty,
  OPENAI_TTS_VOICE: nonEmpty,
  DEEPGRAM_API_KEY: nonEmpty,
  DEEPGRAM_BASE_URL: z.url().optional(),
  LLM_PROVIDER: z.enum(['anthropic', 'openai', 'offline']).optional(),
  STT_PROVIDER: z.enum(['deepgram', 'pocketsphinx']).optional(),
  TTS_PROVIDER: z.enum(['openai', 'espeak']).optional(),
  VOICE_V2_ENABLED: booleanFlag.default(true),
  CORS_ORIGINS: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ATLAS_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  USAGE_LIMIT_FREE_USD: z.coerce.number().min(0).optional(),
  USAGE_LIMIT_CORE_USD: z.coerce.number().min(0).optional(),
  USAGE_LIMIT_STUDIO_USD: z.coerce.number().min(0).optional(),
});

export type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Base URL the server is reached at; the issuer of tokens it signs. */
  readonly publicUrl: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly jwt: {
    /** HS256 secret (ATLAS_JWT_SECRET, else SUPABASE_JWT_SECRET); unset → a dev secret is generated. */
    readonly secret: string | undefined;
    readonly jwksUrl: string | undefined;
  };
  readonly providers: {
    readonly anthropic: {
      readonly apiKey: string | undefined;
      readonly baseUrl: string | undefined;
    };
    readonly openai: {
      readonly apiKey: string | undefined;
      readonly baseUrl: string | undefined;
      /** Chat model of the OpenAI-compatible LLM (e.g. an Ollama model name). */
      readonly model: string;
      readonly ttsModel: string;
      readonly ttsVoice: string;
    };
    readonly deepgram: {
      readonly apiKey: string | undefined;
      readonly baseUrl: string | undefined;
    };
    readonly forced: {
      readonly llm: 'anthropic' | 'openai' | 'offline' | undefined;
      readonly stt: 'deepgram' | 'pocketsphinx' | undefined;
      readonly tts: 'openai' | 'espeak' | undefined;
    };
  };
  readonly voiceV2Enabled: boolean;
  /** Where the web app signs in: a Supabase project, or this server when unset. */
  readonly supabase: { readonly url: string | undefined; readonly anonKey: string | undefined };
  readonly corsOrigins: readonly string[];
  readonly logLevel: string;
  /** When set, `GET /metrics` requires `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
  /** Overrides of the monthly allowance per tier, USD (defaults in the protocol's usage table). */
  readonly usageLimits: Readonly<Partial<Record<Tier, number>>>;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Empty strings mean "unset", as they do in most .env files and CI systems. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`,
      ),
    );
  }
  const e = parsed.data;
  const secret = e.ATLAS_JWT_SECRET ?? e.SUPABASE_JWT_SECRET;
  const problems: string[] = [];
  if (e.NODE_ENV === 'production' && secret === undefined && e.SUPABASE_JWKS_URL === undefined) {
    problems.push(
      'ATLAS_JWT_SECRET: required in production (or SUPABASE_JWT_SECRET / SUPABASE_JWKS_URL); a generated dev secret is not safe there',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    // Development binds to loopback so a laptop does not expose its dev secret to the network.
    host: e.HOST ?? (e.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
    dataDir: path.resolve(cwd, e.ATLAS_DATA_DIR),
    publicUrl: e.ATLAS_PUBLIC_URL?.replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    jwt: { secret, jwksUrl: e.SUPABASE_JWKS_URL },
    providers: {
      anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseUrl: e.ANTHROPIC_BASE_URL },
      openai: {
        apiKey: e.OPENAI_API_KEY,
        baseUrl: e.OPENAI_BASE_URL,
        model: e.OPENAI_MODEL ?? PROVIDER_MODELS.openaiChat,
        ttsModel: e.OPENAI_TTS_MODEL ?? PROVIDER_MODELS.openaiTts,
        ttsVoice: e.OPENAI_TTS_VOICE ?? PROVIDER_MODELS.openaiTtsVoice,
      },
      deepgram: { apiKey: e.DEEPGRAM_API_KEY, baseUrl: e.DEEPGRAM_BASE_URL },
      forced: { llm: e.LLM_PROVIDER, stt: e.STT_PROVIDER, tts: e.TTS_PROVIDER },
    },
    voiceV2Enabled: e.VOICE_V2_ENABLED,
    supabase: { url: e.SUPABASE_URL?.replace(/\/+$/, ''), anonKey: e.SUPABASE_ANON_KEY },
    corsOrigins: e.CORS_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0),
    metricsToken: e.ATLAS_METRICS_TOKEN,
    usageLimits: {
      ...(e.USAGE_LIMIT_FREE_USD === undefined ? {} : { free: e.USAGE_LIMIT_FREE_USD }),
      ...(e.USAGE_LIMIT_CORE_USD === undefined ? {} : { core: e.USAGE_LIMIT_CORE_USD }),
      ...(e.USAGE_LIMIT_STUDIO_USD === undefined ? {} : { studio: e.USAGE_LIMIT_STUDIO_USD }),
    },
    // Debug output stays silent in production whatever LOG_LEVEL asks for.
    logLevel:
      e.NODE_ENV === 'production' && (e.LOG_LEVEL === 'debug' || e.LOG_LEVEL === 'trace')
        ? 'info'
        : e.LOG_LEVEL,
  });
}
