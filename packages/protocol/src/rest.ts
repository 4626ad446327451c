/**
 * @module rest
 * Bodies of the REST API shared by server and web.
 */
import { z } from 'zod';
import { tierSchema } from './tiers.js';

export const profileSchema = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  displayName: z.string().nullable(),
  tier: tierSchema,
  createdAt: z.string(),
});
export type Profile = z.infer<typeof profileSchema>;

/** `GET /v1/me` */
export const meResponseSchema = z.object({
  profile: profileSchema,
  models: z.object({ chat: z.string(), voice: z.string().nullable() }),
});
export type MeResponse = z.infer<typeof meResponseSchema>;

/** `GET /health`: what is running, never secrets. */
export const healthResponseSchema = z.object({
  status: z.literal('ok'),
  version: z.string(),
  uptimeSeconds: z.number(),
  database: z.enum(['pglite', 'postgres']),
  cache: z.enum(['memory', 'redis']),
  auth: z.object({ standalone: z.boolean(), jwks: z.boolean() }),
  providers: z.object({
    /** The failover chain per capability, e.g. `deepgram>pocketsphinx`. */
    stt: z.string(),
    llm: z.string(),
    tts: z.string(),
    /** Whether `/v2/voice` is served (it needs speech recognition and synthesis). */
    voice: z.boolean(),
    /** What is missing or misconfigured, in words an operator can act on. */
    problems: z.array(z.string()),
  }),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

/**
 * `GET /v1/config`: what the web app needs to know at run time, served (not built in) so an
 * operator can flip a flag with a restart instead of a rebuild. Public: it holds no secrets.
 */
export const clientConfigSchema = z.object({
  version: z.string(),
  /** When false, or when the socket cannot be opened, the app uses the V1 (batch) voice path. */
  voiceV2Enabled: z.boolean(),
  /** Whether any voice path is served (speech recognition and synthesis are available). */
  voiceAvailable: z.boolean(),
  auth: z.object({
    /** GoTrue base URL: a Supabase project's `/auth/v1`, or null for this server's `/auth/v1`. */
    url: z.string().nullable(),
    /** The Supabase anon key to send with auth requests, when a project is configured. */
    anonKey: z.string().nullable(),
  }),
  /** True when no provider keys are set and Atlas answers with its offline providers. */
  offline: z.boolean(),
  providers: z.object({ stt: z.string(), llm: z.string(), tts: z.string() }),
});
export type ClientConfig = z.infer<typeof clientConfigSchema>;
