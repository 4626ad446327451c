/**
 * @module voice/call/v1-reply
 * The three REST calls of one V1 (batch) voice turn, each checked against its contract:
 * transcribe the recording, stream the assistant's reply through the conversation's chat route
 * (creating the call's conversation the first time), and synthesise the reply as a WAV.
 */
import {
  chatDeltaEventSchema,
  chatDoneEventSchema,
  chatErrorEventSchema,
  conversationSchema,
} from '@atlas/protocol';
import { z } from 'zod';
import type { ApiClient } from '../../api/api-client.js';
import { ApiError } from '../../api/api-error.js';
import { readSse } from '../../api/sse.js';
import { type DecodedWav, decodeWav } from '../audio/wav.js';

const transcribeResponseSchema = z.object({ text: z.string(), durationSeconds: z.number() });

/** `/v1/voice/speak` takes at most this many characters. */
export const MAX_SPEAK_CHARACTERS = 4_000;

export async function transcribe(
  api: ApiClient,
  wav: Uint8Array,
  signal: AbortSignal,
): Promise<string> {
  const form = new FormData();
  form.append(
    'audio',
    new Blob([wav as Uint8Array<ArrayBuffer>], { type: 'audio/wav' }),
    'turn.wav',
  );
  const { text } = await api.json('/v1/voice/transcribe', transcribeResponseSchema, {
    method: 'POST',
    body: form,
    signal,
  });
  return text.trim();
}

/** `POST /v1/conversations` answers 201 `{conversation}`. */
const createdConversationSchema = z.object({ conversation: conversationSchema });

export async function createCallConversation(api: ApiClient, signal: AbortSignal): Promise<string> {
  const { conversation } = await api.json('/v1/conversations', createdConversationSchema, {
    method: 'POST',
    body: { title: 'Voice call' },
    signal,
  });
  return conversation.id;
}

/** Streams the reply to `content`; calls `onDelta` per piece and returns the stored text. */
export async function streamReply(
  api: ApiClient,
  conversationId: string,
  content: string,
  onDelta: (text: string) => void,
  signal: AbortSignal,
): Promise<string> {
  const response = await api.raw(
    `/v1/conversations/${encodeURIComponent(conversationId)}/messages`,
    {
      method: 'POST',
      body: { content },
      signal,
      headers: { accept: 'text/event-stream' },
    },
  );
  if (response.body === null) throw new ApiError('internal', 'The reply stream was empty.', 200);
  let text = '';
  for await (const record of readSse(response.body)) {
    const json = safeJson(record.data);
    if (record.event === 'delta') {
      const delta = chatDeltaEventSchema.safeParse(json);
      if (delta.success) {
        text += delta.data.text;
        onDelta(delta.data.text);
      }
    } else if (record.event === 'done') {
      const done = chatDoneEventSchema.safeParse(json);
      return done.success ? done.data.message.content : text;
    } else if (record.event === 'error') {
      const failure = chatErrorEventSchema.safeParse(json);
      throw new ApiError(
        'provider_unavailable',
        failure.success ? failure.data.message : 'The reply failed.',
        200,
      );
    }
  }
  return text;
}

export async function speak(
  api: ApiClient,
  text: string,
  signal: AbortSignal,
): Promise<DecodedWav> {
  const response = await api.raw('/v1/voice/speak', {
    method: 'POST',
    body: { text: [...text].slice(0, MAX_SPEAK_CHARACTERS).join('') },
    signal,
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  try {
    return decodeWav(bytes);
  } catch (error) {
    throw new ApiError(
      'internal',
      `Atlas sent speech that cannot be played (${String(error)}).`,
      200,
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
