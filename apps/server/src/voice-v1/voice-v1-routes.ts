/**
 * @module voice-v1/voice-v1-routes
 * Batch voice over plain HTTP, for clients without the real-time V2 socket:
 *
 * - `POST /v1/voice/transcribe`: multipart field `audio` (≤ 10 MB) → `{text, durationSeconds}`.
 *   The type is sniffed from the bytes (never the file name or Content-Type): anything but audio
 *   is refused with 415 `unsupported_media_type`. Records a `voice_stt` usage event.
 * - `POST /v1/voice/speak`: `{text}` (1..4,000 characters) → `audio/wav` (PCM16 mono at the TTS
 *   provider's rate). Records a `voice_tts` usage event priced by characters.
 *
 * Both require a user token (401), check the monthly allowance before calling a provider (402)
 * and run the optional `beforeCall` hook (rate limits, tier gates). A missing provider is 503.
 */

import { sttCost, type Tier, ttsCost } from '@atlas/protocol';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Database, JwtClaims } from '../db/database.js';
import { AtlasError } from '../errors.js';
import { sniffType } from '../http/sniff-type.js';
import { ProviderError } from '../providers/provider-error.js';
import type { BatchSttProvider } from '../providers/stt/batch-stt.js';
import type { TtsProvider } from '../providers/tts/tts.js';
import type { UsageService } from '../usage/usage-service.js';
import { encodeWav, wavDurationSeconds } from './wav.js';

export const MAX_AUDIO_UPLOAD_BYTES = 10 * 1024 * 1024;
export const MAX_SPEAK_CHARACTERS = 4_000;

export const speakBodySchema = z.object({
  text: z.string().min(1).max(MAX_SPEAK_CHARACTERS),
});

export interface TranscribeResponse {
  text: string;
  durationSeconds: number;
}

export interface VoiceV1Deps {
  db: Database;
  verifier: TokenVerifier;
  usage: UsageService;
  batchStt?: BatchSttProvider | undefined;
  tts?: TtsProvider | undefined;
  /** Model names for pricing and the usage ledger. */
  sttModel: string;
  ttsModel: string;
  /** Runs after the monthly-limit check, before the provider call; throw to refuse. */
  beforeCall?: ((claims: JwtClaims, tier: Tier) => Promise<void> | void) | undefined;
}

/** Aborts provider work when the client disconnects before the response has been sent. */
function abortOnClose(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) controller.abort(new Error('client disconnected'));
  });
  return controller;
}

export async function voiceV1Routes(app: FastifyInstance, deps: VoiceV1Deps): Promise<void> {
  if (!app.hasContentTypeParser('multipart/form-data')) {
    await app.register(multipart, {
      limits: { fileSize: MAX_AUDIO_UPLOAD_BYTES, files: 1, fields: 10 },
    });
  }

  async function admit(request: FastifyRequest): Promise<{ claims: JwtClaims; tier: Tier }> {
    const claims = request.user;
    if (!claims) throw new AtlasError('unauthorized');
    const tier = await deps.usage.tierOf(claims);
    await deps.usage.assertWithinMonthlyLimit(claims, tier);
    await deps.beforeCall?.(claims, tier);
    return { claims, tier };
  }

  app.post(
    '/v1/voice/transcribe',
    { preHandler: requireUser(deps.verifier) },
    async (request, reply): Promise<TranscribeResponse> => {
      const { claims } = await admit(request);
      const stt = deps.batchStt;
      if (!stt)
        throw new AtlasError('provider_unavailable', 'No speech-to-text provider is configured.');
      if (!request.isMultipart()) {
        throw new AtlasError(
          'unsupported_media_type',
          'Send the recording as multipart/form-data.',
        );
      }

      let audio: Uint8Array | undefined;
      try {
        for await (const part of request.parts({
          limits: { fileSize: MAX_AUDIO_UPLOAD_BYTES, files: 1 },
        })) {
          if (part.type !== 'file') continue;
          if (part.fieldname !== 'audio' || audio !== undefined) {
            part.file.resume();
            continue;
          }
          audio = await part.toBuffer();
        }
      } catch (error) {
        if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          throw new AtlasError('payload_too_large', 'The recording is larger than 10 MB.', {
            details: { maxBytes: MAX_AUDIO_UPLOAD_BYTES },
          });
        }
        throw error;
      }
      if (!audio || audio.byteLength === 0) {
        throw new AtlasError('validation_failed', 'The multipart field "audio" is required.');
      }
      const sniffed = sniffType(audio);
      if (sniffed.kind !== 'audio') {
        throw new AtlasError(
          'unsupported_media_type',
          'The upload is not a supported audio file.',
          {
            details: { detected: sniffed.mime },
          },
        );
      }

      const controller = abortOnClose(reply);
      const transcript = await stt
        .transcribe({ audio, mimeType: sniffed.mime, signal: controller.signal })
        .catch((error: unknown) => {
          throw providerFailure(error, 'speech-to-text');
        });
      const durationSeconds =
        transcript.durationSeconds ??
        (sniffed.mime === 'audio/wav' ? wavDurationSeconds(audio) : undefined) ??
        0;
      const cost = sttCost(deps.sttModel, durationSeconds);
      await recordSafely(request, deps.usage, {
        userId: claims.sub,
        feature: 'voice_stt',
        model: deps.sttModel,
        costUsd: cost.usd,
        meta: {
          route: 'v1/voice/transcribe',
          provider: stt.name,
          durationSeconds,
          bytes: audio.byteLength,
          mime: sniffed.mime,
          ...(cost.fallback ? { priceFallback: true } : {}),
        },
      });
      return { text: transcript.text, durationSeconds };
    },
  );

  app.post(
    '/v1/voice/speak',
    { preHandler: requireUser(deps.verifier) },
    async (request, reply) => {
      const { text } = speakBodySchema.parse(request.body ?? {});
      const { claims } = await admit(request);
      const tts = deps.tts;
      if (!tts)
        throw new AtlasError('provider_unavailable', 'No text-to-speech provider is configured.');

      const controller = abortOnClose(reply);
      const chunks: Uint8Array[] = [];
      let length = 0;
      try {
        for await (const chunk of tts.synthesize({ text, signal: controller.signal })) {
          chunks.push(chunk);
          length += chunk.byteLength;
        }
      } catch (error) {
        throw providerFailure(error, 'text-to-speech');
      }
      // PCM16: an odd trailing byte is not a sample.
      const pcm = new Uint8Array(length - (length % 2));
      let offset = 0;
      for (const chunk of chunks) {
        const take = Math.min(chunk.byteLength, pcm.byteLength - offset);
        pcm.set(chunk.subarray(0, take), offset);
        offset += take;
      }
      const sampleRate = tts.capabilities.sampleRate;
      const characters = [...text].length;
      const cost = ttsCost(deps.ttsModel, characters);
      await recordSafely(request, deps.usage, {
        userId: claims.sub,
        feature: 'voice_tts',
        model: deps.ttsModel,
        costUsd: cost.usd,
        meta: {
          route: 'v1/voice/speak',
          provider: tts.name,
          characters,
          sampleRate,
          audioSeconds: pcm.byteLength / 2 / sampleRate,
          ...(cost.fallback ? { priceFallback: true } : {}),
        },
      });
      return reply
        .header('content-type', 'audio/wav')
        .header('cache-control', 'no-store')
        .send(Buffer.from(encodeWav(pcm, sampleRate)));
    },
  );
}

/** Vendor failures become 503 `provider_unavailable` (the cause is logged, never sent). */
function providerFailure(error: unknown, what: string): unknown {
  if (error instanceof ProviderError) {
    return new AtlasError('provider_unavailable', `The ${what} provider failed.`, {
      cause: error,
      details: error.retryAfterMs === undefined ? undefined : { retryAfterMs: error.retryAfterMs },
    });
  }
  return error;
}

/** A ledger write failing must not lose the user's result; it is logged loudly instead. */
async function recordSafely(
  request: FastifyRequest,
  usage: UsageService,
  event: Parameters<UsageService['record']>[0],
): Promise<void> {
  try {
    await usage.record(event);
  } catch (error) {
    request.log.error({ err: error, feature: event.feature }, 'usage event not recorded');
  }
}
