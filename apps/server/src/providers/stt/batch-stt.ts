/**
 * @module providers/stt/batch-stt
 * Whole-recording transcription for the V1 voice path (record, upload, transcribe): Deepgram's
 * pre-recorded `POST /v1/listen` through `@deepgram/sdk`, or any OpenAI-compatible
 * `/audio/transcriptions` (OpenAI, a local Whisper server) through the `openai` SDK. Both SDKs'
 * own retries are off so that `withRetry` is the one policy (backoff with jitter, `retry-after`,
 * only for 408/429/5xx and connection failures), and every failure is a `ProviderError`.
 *
 * @example
 * const stt = new OpenAiBatchStt({ apiKey, baseURL: process.env.OPENAI_BASE_URL });
 * const { text } = await stt.transcribe({ audio, mimeType: 'audio/webm', signal });
 */
import { PROVIDER_MODELS } from '@atlas/protocol';
import { DeepgramClient, DeepgramError, DeepgramTimeoutError } from '@deepgram/sdk';
import OpenAI, { APIError as OpenAiApiError, toFile } from 'openai';
import { isRetryableStatus, ProviderError } from '../provider-error.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from '../resilience/retry-policy.js';

export interface BatchTranscriptionRequest {
  /** The recording, in a container the vendor reads (WAV, WebM/Opus, MP3, …). */
  readonly audio: Uint8Array;
  readonly mimeType: string;
  readonly signal?: AbortSignal | undefined;
  /** BCP-47 hint; the vendor detects the language when absent. */
  readonly language?: string | undefined;
}

export interface BatchTranscript {
  readonly text: string;
  readonly confidence?: number;
  readonly durationSeconds?: number;
}

export interface BatchSttProvider {
  readonly name: string;
  transcribe(request: BatchTranscriptionRequest): Promise<BatchTranscript>;
}

export interface BatchSttCommonOptions {
  readonly retryPolicy?: RetryPolicy;
  /** Per attempt. */
  readonly timeoutMs?: number;
  /** Before each retry (logs, retries counter). */
  readonly onRetry?: (error: ProviderError, attempt: number, delayMs: number) => void;
}

/** `retry-after` as seconds or an HTTP date, in ms. */
function retryAfterMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

const FILE_EXTENSIONS: Readonly<Record<string, string>> = {
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/webm': 'webm',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/mp4': 'm4a',
  'audio/m4a': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/flac': 'flac',
};

/** A file name whose extension matches the MIME type: OpenAI picks the decoder from it. */
export function fileNameFor(mimeType: string): string {
  const base = mimeType.split(';')[0]?.trim().toLowerCase() ?? '';
  return `audio.${FILE_EXTENSIONS[base] ?? 'wav'}`;
}

export interface DeepgramBatchSttOptions extends BatchSttCommonOptions {
  readonly apiKey: string;
  /** `DEEPGRAM_BASE_URL` (default: Deepgram's). */
  readonly baseUrl?: string | undefined;
  readonly model?: string;
}

export class DeepgramBatchStt implements BatchSttProvider {
  readonly name = 'deepgram';
  readonly #client: DeepgramClient;
  readonly #options: DeepgramBatchSttOptions;

  constructor(options: DeepgramBatchSttOptions) {
    this.#options = options;
    this.#client = new DeepgramClient({
      apiKey: options.apiKey,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      maxRetries: 0,
    });
  }

  transcribe(request: BatchTranscriptionRequest): Promise<BatchTranscript> {
    const { signal } = request;
    return withRetry(
      async () => {
        try {
          const response = await this.#client.listen.v1.media.transcribeFile(
            { data: request.audio, contentType: request.mimeType },
            {
              model: this.#options.model ?? PROVIDER_MODELS.deepgramStt,
              smart_format: true,
              punctuate: true,
              ...(request.language ? { language: request.language } : {}),
            },
            {
              maxRetries: 0,
              timeoutInSeconds: (this.#options.timeoutMs ?? 60_000) / 1000,
              ...(signal ? { abortSignal: signal } : {}),
            },
          );
          if (!('results' in response)) {
            // Only a `callback` request gets the accepted-only answer; Atlas never sends one.
            throw new ProviderError('Deepgram answered without results', {
              provider: this.name,
              capability: 'stt',
              retryable: false,
            });
          }
          const alternative = response.results.channels[0]?.alternatives?.[0];
          return {
            text: alternative?.transcript?.trim() ?? '',
            ...(alternative?.confidence === undefined
              ? {}
              : { confidence: alternative.confidence }),
            durationSeconds: response.metadata.duration,
          };
        } catch (error) {
          if (signal?.aborted) throw abortReason(signal);
          throw this.#providerError(error);
        }
      },
      this.#options.retryPolicy ?? DEFAULT_RETRY_POLICY,
      { signal, onRetry: this.#options.onRetry },
    );
  }

  #providerError(error: unknown): ProviderError {
    if (error instanceof ProviderError) return error;
    const base = { provider: this.name, capability: 'stt' as const, cause: error };
    if (error instanceof DeepgramTimeoutError)
      return new ProviderError('Deepgram transcription timed out', { ...base, retryable: true });
    if (error instanceof DeepgramError && error.statusCode !== undefined) {
      return new ProviderError(`Deepgram transcription failed (HTTP ${error.statusCode})`, {
        ...base,
        retryable: isRetryableStatus(error.statusCode),
        status: error.statusCode,
        retryAfterMs: retryAfterMs(error.rawResponse?.headers.get('retry-after')),
      });
    }
    // No status: the request never got an answer (refused, reset), which a retry may fix.
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderError(`Deepgram transcription failed: ${message}`, {
      ...base,
      retryable: true,
    });
  }
}

export interface OpenAiBatchSttOptions extends BatchSttCommonOptions {
  readonly apiKey: string;
  /** `OPENAI_BASE_URL`, including `/v1` (any OpenAI-compatible server). */
  readonly baseURL?: string | undefined;
  readonly model?: string;
}

export class OpenAiBatchStt implements BatchSttProvider {
  readonly name = 'openai';
  readonly #client: OpenAI;
  readonly #options: OpenAiBatchSttOptions;

  constructor(options: OpenAiBatchSttOptions) {
    this.#options = options;
    this.#client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      maxRetries: 0,
      timeout: options.timeoutMs ?? 60_000,
    });
  }

  transcribe(request: BatchTranscriptionRequest): Promise<BatchTranscript> {
    const { signal } = request;
    return withRetry(
      async () => {
        try {
          const file = await toFile(request.audio, fileNameFor(request.mimeType), {
            type: request.mimeType,
          });
          const transcription = await this.#client.audio.transcriptions.create(
            {
              file,
              model: this.#options.model ?? PROVIDER_MODELS.openaiTranscription,
              response_format: 'json',
              ...(request.language ? { language: request.language } : {}),
            },
            signal ? { signal } : {},
          );
          const usage = transcription.usage;
          return {
            text: transcription.text.trim(),
            ...(usage?.type === 'duration' ? { durationSeconds: usage.seconds } : {}),
          };
        } catch (error) {
          if (signal?.aborted) throw abortReason(signal);
          throw this.#providerError(error);
        }
      },
      this.#options.retryPolicy ?? DEFAULT_RETRY_POLICY,
      { signal, onRetry: this.#options.onRetry },
    );
  }

  #providerError(error: unknown): ProviderError {
    const base = { provider: this.name, capability: 'stt' as const, cause: error };
    if (error instanceof OpenAiApiError && error.status !== undefined) {
      return new ProviderError(`Transcription failed (HTTP ${error.status}): ${error.message}`, {
        ...base,
        retryable: isRetryableStatus(error.status),
        status: error.status,
        retryAfterMs: retryAfterMs(error.headers?.get('retry-after')),
      });
    }
    // Connection errors and timeouts carry no status; they are worth another try.
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderError(`Transcription failed: ${message}`, { ...base, retryable: true });
  }
}
