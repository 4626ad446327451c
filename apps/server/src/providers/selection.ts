/**
 * @module providers/selection
 * Which providers serve each capability, as failover chains. A forced choice (`LLM_PROVIDER`,
 * `STT_PROVIDER`, `TTS_PROVIDER`) is the only one and must work; otherwise every vendor with a
 * key is used in order, then the offline provider when it is installed. The same plan feeds the
 * start-up log, `/health` and the construction of the providers, so they never disagree.
 */

import type { Config } from '../config.js';
import { AtlasError } from '../errors.js';

export type LlmKind = 'anthropic' | 'openai' | 'offline';
export type SttKind = 'deepgram' | 'pocketsphinx';
export type TtsKind = 'openai' | 'espeak';

export interface OfflineEngines {
  pocketsphinx: { available: boolean; detail: string };
  espeak: { available: boolean; detail: string };
}

export interface ProviderPlan {
  llm: LlmKind[];
  stt: SttKind[];
  tts: TtsKind[];
  /** What is missing, in words an operator can act on. */
  problems: string[];
}

/** What `/health` and the start-up log say about the providers. */
export interface ProviderReport {
  llm: string;
  stt: string;
  tts: string;
  voice: boolean;
  problems: string[];
}

function refuse(message: string): never {
  throw new AtlasError('provider_unavailable', message);
}

export function planProviders(config: Config, engines: OfflineEngines): ProviderPlan {
  const { anthropic, openai, deepgram, forced } = config.providers;
  const openaiReachable = openai.apiKey !== undefined || openai.baseUrl !== undefined;
  const problems: string[] = [];

  let llm: LlmKind[];
  if (forced.llm === 'anthropic' && !anthropic.apiKey)
    refuse('LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY.');
  if (forced.llm === 'openai' && !openaiReachable)
    refuse('LLM_PROVIDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server).');
  if (forced.llm) {
    llm = [forced.llm];
  } else {
    llm = [
      ...(anthropic.apiKey ? (['anthropic'] as const) : []),
      ...(openaiReachable ? (['openai'] as const) : []),
    ];
    if (llm.length === 0) llm = ['offline'];
  }

  let stt: SttKind[];
  if (forced.stt === 'deepgram' && !deepgram.apiKey)
    refuse('STT_PROVIDER=deepgram needs DEEPGRAM_API_KEY.');
  if (forced.stt === 'pocketsphinx' && !engines.pocketsphinx.available)
    refuse(`STT_PROVIDER=pocketsphinx cannot start: ${engines.pocketsphinx.detail}`);
  if (forced.stt) {
    stt = [forced.stt];
  } else {
    stt = deepgram.apiKey ? ['deepgram'] : [];
    if (engines.pocketsphinx.available) stt.push('pocketsphinx');
    else
      problems.push(
        `Offline speech recognition (PocketSphinx) is unavailable: ${engines.pocketsphinx.detail}`,
      );
  }

  let tts: TtsKind[];
  if (forced.tts === 'openai' && !openai.apiKey)
    refuse('TTS_PROVIDER=openai needs OPENAI_API_KEY.');
  if (forced.tts === 'espeak' && !engines.espeak.available)
    refuse(`TTS_PROVIDER=espeak cannot start: ${engines.espeak.detail}`);
  if (forced.tts) {
    tts = [forced.tts];
  } else {
    tts = openai.apiKey ? ['openai'] : [];
    if (engines.espeak.available) tts.push('espeak');
    else
      problems.push(
        `Offline speech synthesis (espeak-ng) is unavailable: ${engines.espeak.detail}`,
      );
  }

  if (stt.length === 0 || tts.length === 0) {
    problems.push(
      'Real-time voice is disabled: it needs a speech recognizer and a speech synthesizer (set DEEPGRAM_API_KEY and OPENAI_API_KEY, or install the offline engines).',
    );
  }
  return { llm, stt, tts, problems };
}

export function reportOf(plan: ProviderPlan): ProviderReport {
  return {
    llm: plan.llm.join('>'),
    stt: plan.stt.join('>') || 'none',
    tts: plan.tts.join('>') || 'none',
    voice: plan.stt.length > 0 && plan.tts.length > 0,
    problems: plan.problems,
  };
}

/** The report without checking the offline engines (apps built without providers: tests, tools). */
export function plannedReport(config: Config): ProviderReport {
  const assumed = { available: true, detail: 'not checked' };
  return {
    ...reportOf(planProviders(config, { pocketsphinx: assumed, espeak: assumed })),
    voice: false,
  };
}
