/**
 * @module providers/tts/openai-tts
 * OpenAI text-to-speech (`POST /v1/audio/speech`, `response_format: "pcm"`: 24 kHz PCM16 LE
 * mono) through the `openai` SDK, streamed: each body chunk is passed on as it arrives, so
 * playback starts while OpenAI is still synthesising.
 *
 * - Retries are ours, not the SDK's (`maxRetries: 0`): `retryUntilFirstItem` retries 408/429/5xx
 *   and connection failures only until the first audio reaches the caller, since a sentence the
 *   user has started to hear cannot be restarted.
 * - Time limits: the SDK's `timeout` (30 s) covers the wait for response headers; the body is
 *   watched by an idle timer (no byte for `idleTimeoutMs`), so a stalled stream fails instead of
 *   hanging the turn.
 * - HTTP chunk boundaries can split a 2-byte sample; the odd byte is carried into the next chunk
 *   so every chunk yielded holds whole samples.
 * - Abort (the user barged in) ends the iteration quietly.
 */
import { PROVIDER_MODELS } from '@atlas/protocol';
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import { isAbortError, isRetryableStatus, ProviderError } from '../provider-error.js';
import {
  DEFAULT_RETRY_POLICY,
  type RetryHooks,
  type RetryPolicy,
  retryUntilFirstItem,
} from '../resilience/retry-policy.js';
import { retryAfterFromHeaders } from '../sdk-errors.js';
import type { TtsCapabilities, TtsProvider, TtsRequest } from './tts.js';

/** OpenAI's `pcm` rate. */
export const OPENAI_PCM_SAMPLE_RATE = 24_000;

/** The voices `tts-1` and `tts-1-hd` accept; newer models accept more (marin, cedar, …). */
const TTS1_VOICES = new Set([
  'alloy',
  'ash',
  'coral',
  'echo',
  'fable',
  'onyx',
  'nova',
  'sage',
  'shimmer',
]);

export interface OpenAiTtsOptions {
  /** Required unless `client` is given. */
  apiKey?: string;
  /** Include `/v1`; default the SDK's (`OPENAI_BASE_URL` or api.openai.com). */
  baseURL?: string;
  /** Default `gpt-4o-mini-tts`. */
  model?: string;
  /** Voice when the request names none. Default `coral`. */
  voice?: string;
  /** Style prompt (not sent to `tts-1`/`tts-1-hd`, which reject it). */
  instructions?: string;
  /** 0.25–4; default the API's 1. */
  speed?: number;
  /** Wait for the response headers, ms. Default 30 000. */
  timeoutMs?: number;
  /** Longest silence between body chunks before the stream counts as stalled, ms. Default 10 000. */
  idleTimeoutMs?: number;
  retryPolicy?: RetryPolicy;
  onRetry?: RetryHooks['onRetry'];
  /** A preconfigured client (tests, proxies); `apiKey` and `baseURL` are then ignored. */
  client?: OpenAI;
}

/** Raised into the body read when the idle timer fires. */
class StalledStream extends Error {
  override readonly name = 'StalledStream';
}

/**
 * @example
 * const tts = new OpenAiTts({ apiKey: process.env.OPENAI_API_KEY, model: 'tts-1' });
 * for await (const pcm of tts.synthesize({ text: 'Hello!', signal })) play(pcm); // 24 kHz
 */
export class OpenAiTts implements TtsProvider {
  readonly name = 'openai';
  readonly capabilities: TtsCapabilities = { sampleRate: OPENAI_PCM_SAMPLE_RATE, streaming: true };
  readonly #client: OpenAI;
  readonly #model: string;
  readonly #voice: string;
  readonly #instructions: string | undefined;
  readonly #speed: number | undefined;
  readonly #timeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #retryPolicy: RetryPolicy;
  readonly #onRetry: RetryHooks['onRetry'];

  constructor(options: OpenAiTtsOptions) {
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#client =
      options.client ??
      new OpenAI({
        apiKey: options.apiKey,
        ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
        maxRetries: 0,
        timeout: this.#timeoutMs,
      });
    this.#model = options.model ?? PROVIDER_MODELS.openaiTts;
    this.#voice = options.voice ?? 'coral';
    this.#instructions = options.instructions;
    this.#speed = options.speed;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
    this.#retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.#onRetry = options.onRetry;
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Uint8Array> {
    const { signal } = request;
    if (signal.aborted || request.text.trim().length === 0) return;
    try {
      yield* retryUntilFirstItem(() => this.#attempt(request), this.#retryPolicy, {
        signal,
        onRetry: this.#onRetry,
      });
    } catch (error) {
      if (signal.aborted || isAbortError(error)) return;
      throw error;
    }
  }

  /** The voice to send: `tts-1*` rejects the newer voices, so those fall back to the default. */
  #voiceFor(requested: string | undefined): string {
    const voice = requested ?? this.#voice;
    if (this.#model.startsWith(PROVIDER_MODELS.openaiTts1Family) && !TTS1_VOICES.has(voice)) {
      return TTS1_VOICES.has(this.#voice) ? this.#voice : 'alloy';
    }
    return voice;
  }

  /** One request: yields whole-sample chunks as the body arrives. */
  async *#attempt(request: TtsRequest): AsyncGenerator<Uint8Array> {
    // Per attempt: the caller's abort and our idle timer both cancel this request only.
    const controller = new AbortController();
    const forwardAbort = () => controller.abort(request.signal.reason);
    request.signal.addEventListener('abort', forwardAbort, { once: true });
    let idleTimer: NodeJS.Timeout | undefined;
    let stalled = false;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let finished = false;
    try {
      const isTts1 = this.#model.startsWith(PROVIDER_MODELS.openaiTts1Family);
      const response = await this.#client.audio.speech.create(
        {
          model: this.#model,
          voice: this.#voiceFor(request.voice),
          input: request.text,
          response_format: 'pcm',
          ...(this.#speed === undefined ? {} : { speed: this.#speed }),
          ...(this.#instructions === undefined || isTts1
            ? {}
            : { instructions: this.#instructions }),
        },
        { signal: controller.signal, maxRetries: 0, timeout: this.#timeoutMs },
      );
      if (!response.body) throw this.#error('response has no body', false);
      reader = response.body.getReader();
      let carry: number | undefined;
      for (;;) {
        idleTimer = setTimeout(() => {
          stalled = true;
          controller.abort(new StalledStream(`no audio for ${this.#idleTimeoutMs} ms`));
        }, this.#idleTimeoutMs);
        const { done, value } = await reader.read();
        clearTimeout(idleTimer);
        if (done) break;
        if (value.byteLength === 0) continue;
        const chunk = wholeSamples(value, carry);
        carry = chunk.carry;
        if (chunk.samples.byteLength > 0) yield chunk.samples;
      }
      finished = true;
      // An odd total means the last sample was cut in half; it is dropped, never emitted.
    } catch (error) {
      if (request.signal.aborted) throw request.signal.reason ?? error;
      if (stalled) {
        throw this.#error(`stream stalled: no audio for ${this.#idleTimeoutMs} ms`, true, error);
      }
      throw this.#toProviderError(error);
    } finally {
      clearTimeout(idleTimer);
      request.signal.removeEventListener('abort', forwardAbort);
      // Stopped early (abort, consumer break, error): release the connection.
      if (!finished) {
        controller.abort();
        reader?.cancel().catch(() => {});
      }
    }
  }

  #toProviderError(error: unknown): unknown {
    if (error instanceof ProviderError || error instanceof APIUserAbortError) return error;
    if (error instanceof APIConnectionTimeoutError)
      return this.#error('request timed out waiting for a response', true, error);
    if (error instanceof APIConnectionError) return this.#error('connection failed', true, error);
    if (error instanceof APIError && error.status !== undefined) {
      return new ProviderError(`openai tts: ${error.message}`, {
        provider: this.name,
        capability: 'tts',
        retryable: isRetryableStatus(error.status),
        status: error.status,
        retryAfterMs: retryAfterFromHeaders(error.headers),
        cause: error,
      });
    }
    // Failures while reading the body (undici's "terminated" when the socket drops mid-stream).
    return this.#error(
      `audio stream failed: ${error instanceof Error ? error.message : String(error)}`,
      true,
      error,
    );
  }

  #error(message: string, retryable: boolean, cause?: unknown): ProviderError {
    return new ProviderError(`openai tts: ${message}`, {
      provider: this.name,
      capability: 'tts',
      retryable,
      cause,
    });
  }
}

/**
 * Prepends a byte carried from the previous chunk and holds back a trailing odd byte, so the
 * result holds whole 16-bit samples. Returns a fresh buffer (callers may keep or transfer it).
 */
export function wholeSamples(
  value: Uint8Array,
  carry: number | undefined,
): { samples: Uint8Array; carry: number | undefined } {
  const total = value.byteLength + (carry === undefined ? 0 : 1);
  const even = total & ~1;
  const samples = new Uint8Array(even);
  if (carry === undefined) {
    samples.set(value.subarray(0, even));
  } else if (even > 0) {
    samples[0] = carry;
    samples.set(value.subarray(0, even - 1), 1);
  }
  const nextCarry = total === even ? undefined : value[value.byteLength - 1];
  return { samples, carry: carry !== undefined && even === 0 ? carry : nextCarry };
}
