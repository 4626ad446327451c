/**
 * @module tiers
 * Subscription tiers, the single model map and the per-tier features. Nothing else in Atlas
 * names a model: servers and clients read it from here.
 */
import { z } from 'zod';

export const TIERS = ['free', 'core', 'studio'] as const;
export const tierSchema = z.enum(TIERS);
export type Tier = z.infer<typeof tierSchema>;

/** Which model each tier uses: `chat` for typed conversations, `voice` for low-latency calls. */
export interface TierModels {
  readonly chat: string;
  /** The fast model used by real-time voice; `null` where the tier has no voice. */
  readonly voice: string | null;
}

export const MODEL_MAP: Readonly<Record<Tier, TierModels>> = {
  free: { chat: 'claude-haiku-5-5', voice: null },
  core: { chat: 'claude-sonnet-5-5', voice: null },
  // Voice uses the fastest model: time to first token is most of a voice turn's latency.
  studio: { chat: 'claude-sonnet-5-5', voice: 'claude-haiku-5-5' },
};

/**
 * Models of the other providers, by capability. Operators can override the OpenAI-compatible
 * ones (`OPENAI_MODEL`, `OPENAI_TTS_MODEL`) to use Ollama, vLLM or llama.cpp models.
 */
export const PROVIDER_MODELS = {
  /** Chat model of the OpenAI-compatible LLM provider. */
  openaiChat: 'gpt-4o-mini',
  openaiTts: 'tts-1',
  openaiTtsVoice: 'alloy',
  openaiTranscription: 'gpt-4o-mini-transcribe',
  /** The older speech models, which take fewer voices and no style instructions. */
  openaiTts1Family: 'tts-1',
  deepgramStt: 'nova-3',
  /** The offline providers report these names in usage and `session_started.model`. */
  offlineLlm: 'offline',
  pocketsphinx: 'pocketsphinx',
  espeak: 'espeak',
} as const;

/** Real-time voice (V2) is a Studio feature. */
export function tierHasVoice(tier: Tier): boolean {
  return MODEL_MAP[tier].voice !== null;
}
