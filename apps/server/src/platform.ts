/**
 * @module platform
 * The chat and usage platform beside the voice gateway: conversations with streamed replies,
 * delta sync, usage accounting with monthly tier limits, per-user message rate limits, and the
 * V1 (batch) voice path. `registerPlatform` wires the policies (limits before a call, a usage
 * event after every call) into the route plugins.
 */
import { llmCost, tierHasVoice } from '@atlas/protocol';
import type { FastifyInstance } from 'fastify';
import type { TokenVerifier } from './auth/token-verifier.js';
import { chatRoutes } from './chat/index.js';
import type { Database } from './db/database.js';
import { AtlasError } from './errors.js';
import type { MessageRateLimit } from './limits/message-rate-limit.js';
import type { LlmProvider } from './providers/llm/llm.js';
import type { BatchSttProvider } from './providers/stt/batch-stt.js';
import type { TtsProvider } from './providers/tts/tts.js';
import { usageRoutes } from './usage/usage-routes.js';
import type { UsageService } from './usage/usage-service.js';
import { voiceV1Routes } from './voice-v1/voice-v1-routes.js';

export interface PlatformServices {
  usage: UsageService;
  messageRateLimit: MessageRateLimit;
  llm: LlmProvider;
  batchStt?: { provider: BatchSttProvider; model: string } | undefined;
  tts?: { provider: TtsProvider; model: string } | undefined;
}

export async function registerPlatform(
  app: FastifyInstance,
  db: Database,
  verifier: TokenVerifier,
  services: PlatformServices,
): Promise<void> {
  const { usage, messageRateLimit } = services;
  await app.register(chatRoutes, {
    db,
    verifier,
    llm: services.llm,
    hooks: {
      // The monthly allowance first: a user over it should hear why, not "slow down".
      async beforeSend(claims, tier) {
        await usage.assertWithinMonthlyLimit(claims, tier);
        await messageRateLimit.check(claims.sub, tier);
      },
      async recordUsage(event) {
        await usage.record({
          userId: event.userId,
          feature: 'chat',
          model: event.model,
          tokensInput: event.inputTokens,
          tokensOutput: event.outputTokens,
          costUsd: llmCost(event.model, event.inputTokens, event.outputTokens).usd,
          meta: {
            conversation_id: event.conversationId,
            message_id: event.messageId,
            cancelled: event.cancelled,
          },
        });
      },
    },
  });
  await app.register(usageRoutes, { db, verifier, usage });
  await app.register(voiceV1Routes, {
    db,
    verifier,
    usage,
    batchStt: services.batchStt?.provider,
    tts: services.tts?.provider,
    sttModel: services.batchStt?.model ?? 'none',
    ttsModel: services.tts?.model ?? 'none',
    // The V1 path is the fallback of the same voice feature: same tier, same limits as V2.
    beforeCall: async (claims, tier) => {
      if (!tierHasVoice(tier)) {
        throw new AtlasError(
          'tier_required',
          `Voice is a Studio feature; your plan is ${tier}. Upgrade to Studio to talk to Atlas.`,
        );
      }
      await messageRateLimit.check(claims.sub, tier);
    },
  });
}
