/**
 * @module providers/voice-providers
 * Builds the STT, LLM and TTS failover chains a voice session uses, from the plan in
 * `selection.ts`: Deepgram → PocketSphinx, Claude → OpenAI-compatible (or the offline responder
 * when no model is configured), OpenAI TTS → espeak-ng. Retries and failovers are logged and
 * counted; the offline engines are checked once at start-up and reported in `/health`.
 */
import { PROVIDER_MODELS } from '@atlas/protocol';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { ProviderKind, VoiceMetrics } from '../observability/metrics.js';
import type { VoiceProviders } from '../voice/voice-session.js';
import { AnthropicLlm } from './llm/anthropic-llm.js';
import { FallbackLlm } from './llm/fallback-llm.js';
import type { LlmProvider } from './llm/llm.js';
import { OfflineLlm } from './llm/offline-llm.js';
import { OpenAiLlm } from './llm/openai-llm.js';
import type { ProviderError } from './provider-error.js';
import {
  type LlmKind,
  type OfflineEngines,
  type ProviderReport,
  planProviders,
  reportOf,
  type SttKind,
  type TtsKind,
} from './selection.js';
import { type BatchSttProvider, DeepgramBatchStt, OpenAiBatchStt } from './stt/batch-stt.js';
import { DeepgramStt } from './stt/deepgram-stt.js';
import { FallbackStt } from './stt/fallback-stt.js';
import { PocketSphinxStt, pocketSphinxAvailability } from './stt/pocketsphinx/index.js';
import { StreamingBatchStt } from './stt/streaming-batch-stt.js';
import type { SttProvider } from './stt/stt.js';
import { EspeakTts } from './tts/espeak-tts.js';
import { FallbackTts } from './tts/fallback-tts.js';
import { OpenAiTts } from './tts/openai-tts.js';
import type { TtsProvider } from './tts/tts.js';

/** Every voice session hears and speaks at these rates. */
const OUTPUT_SAMPLE_RATE = 24_000;

export interface ProviderSetup {
  /** Undefined when voice cannot run (no recognizer or no synthesizer). */
  voice: VoiceProviders | undefined;
  /** The LLM chain (chat uses it too). */
  llm: LlmProvider;
  /** Speech synthesis for the V1 path, when any is available. */
  tts: { provider: TtsProvider; model: string } | undefined;
  /** Batch transcription for the V1 path, when any is available. */
  batchStt: { provider: BatchSttProvider; model: string } | undefined;
  report: ProviderReport;
  /** Frees what the providers hold (PocketSphinx decoder threads). */
  close(): Promise<void>;
}

export interface ProviderSetupOptions {
  metrics?: VoiceMetrics | undefined;
  /** Offline engine checks (tests substitute them). */
  engines?: OfflineEngines;
}

export function checkOfflineEngines(): OfflineEngines {
  return { pocketsphinx: pocketSphinxAvailability(), espeak: EspeakTts.available() };
}

export function createVoiceProviders(
  config: Config,
  logger: Logger,
  options: ProviderSetupOptions = {},
): ProviderSetup {
  const plan = planProviders(config, options.engines ?? checkOfflineEngines());
  const report = reportOf(plan);
  const log = logger.child({ module: 'providers' });
  const { metrics } = options;
  const { anthropic, openai, deepgram } = config.providers;

  const onRetry =
    (kind: ProviderKind) => (error: ProviderError, attempt: number, delayMs: number) => {
      metrics?.providerRetries.inc(kind, error.provider);
      log.warn(
        { kind, provider: error.provider, status: error.status, attempt, delayMs },
        'retrying a provider call',
      );
    };
  const onFailover = (kind: ProviderKind) => (from: string, to: string, error: unknown) => {
    metrics?.providerFailovers.inc(kind, from, to);
    log.warn(
      { kind, from, to, err: error },
      `${kind.toUpperCase()} failed over from ${from} to ${to}`,
    );
  };

  const llmOf: Record<LlmKind, () => LlmProvider> = {
    anthropic: () =>
      new AnthropicLlm({
        apiKey: anthropic.apiKey ?? '',
        baseURL: anthropic.baseUrl,
        onRetry: onRetry('llm'),
      }),
    // Local OpenAI-compatible servers (Ollama, llama.cpp) need no key; the SDK insists on one.
    openai: () =>
      new OpenAiLlm({
        apiKey: openai.apiKey ?? 'not-needed',
        baseURL: openai.baseUrl,
        model: openai.model,
        onRetry: onRetry('llm'),
      }),
    offline: () => new OfflineLlm(),
  };
  const pocketsphinx: PocketSphinxStt[] = [];
  const sttOf: Record<SttKind, () => SttProvider> = {
    deepgram: () =>
      new DeepgramStt({
        apiKey: deepgram.apiKey ?? '',
        baseUrl: deepgram.baseUrl,
        model: PROVIDER_MODELS.deepgramStt,
      }),
    pocketsphinx: () => {
      const stt = new PocketSphinxStt();
      pocketsphinx.push(stt);
      return stt;
    },
  };
  const ttsOf: Record<TtsKind, () => TtsProvider> = {
    openai: () =>
      new OpenAiTts({
        apiKey: openai.apiKey ?? '',
        baseURL: openai.baseUrl,
        model: openai.ttsModel,
        voice: openai.ttsVoice,
        onRetry: onRetry('tts'),
      }),
    espeak: () => new EspeakTts({ sampleRate: OUTPUT_SAMPLE_RATE }),
  };

  const llms = plan.llm.map((kind) => llmOf[kind]());
  const llmFailover = onFailover('llm');
  const llm =
    llms.length === 1
      ? (llms[0] as LlmProvider)
      : new FallbackLlm(llms, {
          onFailover: (from, to, error) => llmFailover(from.name, to.name, error),
        });
  const primaryLlm = plan.llm[0] as LlmKind;
  const modelNames: Record<LlmKind, (tierModel: string) => string> = {
    anthropic: (tierModel) => tierModel,
    openai: () => openai.model,
    offline: () => PROVIDER_MODELS.offlineLlm,
  };

  const ttss = plan.tts.map((kind) => ttsOf[kind]());
  const tts =
    ttss.length === 0
      ? undefined
      : ttss.length === 1
        ? (ttss[0] as TtsProvider)
        : new FallbackTts(ttss, { onFailover: onFailover('tts') });
  const ttsModel = plan.tts[0] === 'openai' ? openai.ttsModel : PROVIDER_MODELS.espeak;
  const stts = plan.stt.map((kind) => sttOf[kind]());
  const stt =
    stts.length === 0
      ? undefined
      : stts.length === 1
        ? (stts[0] as SttProvider)
        : new FallbackStt(stts, { onFailover: onFailover('stt') });

  let voice: VoiceProviders | undefined;
  if (report.voice && stt && tts) {
    voice = {
      llm,
      stt,
      tts,
      sttModel:
        plan.stt[0] === 'deepgram' ? PROVIDER_MODELS.deepgramStt : PROVIDER_MODELS.pocketsphinx,
      ttsModel,
      llmModel: modelNames[primaryLlm],
    };
  }
  // V1 (batch) transcription: a vendor when configured, else PocketSphinx on WAV recordings.
  let batchStt: ProviderSetup['batchStt'];
  if (deepgram.apiKey) {
    batchStt = {
      provider: new DeepgramBatchStt({
        apiKey: deepgram.apiKey,
        baseUrl: deepgram.baseUrl,
        model: PROVIDER_MODELS.deepgramStt,
      }),
      model: PROVIDER_MODELS.deepgramStt,
    };
  } else if (openai.apiKey) {
    batchStt = {
      provider: new OpenAiBatchStt({
        apiKey: openai.apiKey,
        baseURL: openai.baseUrl,
        model: PROVIDER_MODELS.openaiTranscription,
      }),
      model: PROVIDER_MODELS.openaiTranscription,
    };
  } else if (plan.stt.includes('pocketsphinx')) {
    const sphinx = pocketsphinx[0] ?? sttOf.pocketsphinx();
    batchStt = { provider: new StreamingBatchStt(sphinx), model: PROVIDER_MODELS.pocketsphinx };
  }
  for (const problem of plan.problems) log.warn(problem);
  return {
    voice,
    llm,
    tts: tts ? { provider: tts, model: ttsModel } : undefined,
    batchStt,
    report,
    close: async () => {
      await Promise.all(pocketsphinx.map((stt) => stt.close()));
    },
  };
}
