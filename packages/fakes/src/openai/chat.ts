/**
 * @module openai/chat
 * `POST /v1/chat/completions` for the fake OpenAI server: a `chat.completion` JSON answer, or with
 * `stream: true` the SSE stream OpenAI sends (only `data:` lines, never `event:`; a role chunk,
 * content chunks, a `finish_reason` chunk, with `stream_options.include_usage` a last chunk whose
 * `choices` is `[]` carrying usage, then `data: [DONE]`). Paced by the profile's `llm` figures;
 * a `cut` fault destroys the socket after that many `data:` chunks, so the usage chunk and
 * `[DONE]` never come, as when a real connection drops.
 */
import { randomUUID } from 'node:crypto';
import {
  countInputTokens,
  countTokens,
  splitReply,
  waitFirstToken,
  waitForPiece,
  writeFlushed,
} from '../anthropic/text-pacing.js';
import type { OpenAiRoute, OpenAiRouteContext } from './openai-fake.js';

/** The request fields the fake reads (others are accepted and ignored). */
export interface ChatCompletionBody {
  readonly model: string;
  readonly messages: ReadonlyArray<{ readonly role: string; readonly content: unknown }>;
  readonly stream?: boolean;
  readonly stream_options?: { readonly include_usage?: boolean } | null;
  readonly max_tokens?: number | null;
  readonly max_completion_tokens?: number | null;
}

function isChatBody(body: unknown): body is ChatCompletionBody {
  if (!body || typeof body !== 'object') return false;
  const record = body as Record<string, unknown>;
  return (
    typeof record.model === 'string' &&
    Array.isArray(record.messages) &&
    record.messages.length > 0 &&
    record.messages.every((m) => m && typeof m === 'object' && 'role' in m)
  );
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) =>
        part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
          ? (part as { text: string }).text
          : '',
      )
      .join('');
  return '';
}

/** The default reply: echoes what the user said last. */
export function echoChatReply(body: ChatCompletionBody): string {
  const lastUser = [...body.messages].reverse().find((m) => m.role === 'user');
  return `You said: ${textOf(lastUser?.content)}`;
}

/** Pieces of the reply that fit in `maxTokens` (all when unlimited), and whether it was cut. */
function fitReply(reply: string, maxTokens: number | null | undefined) {
  const pieces = splitReply(reply);
  if (!maxTokens || maxTokens <= 0) return { pieces, finish: 'stop' as const };
  const kept: string[] = [];
  for (const piece of pieces) {
    if (countTokens(kept.join('') + piece) > maxTokens)
      return { pieces: kept, finish: 'length' as const };
    kept.push(piece);
  }
  return { pieces: kept, finish: 'stop' as const };
}

async function handleChat(context: OpenAiRouteContext): Promise<void> {
  const { recorded, response, profile, options, requestId, fault, clientGone } = context;
  const body = recorded.body;
  if (!isChatBody(body)) {
    return context.sendError(400, {
      message: "'messages' and 'model' are required properties.",
      type: 'invalid_request_error',
      param: 'messages',
      code: null,
    });
  }
  const reply = options.reply?.(body) ?? echoChatReply(body);
  const { pieces, finish } = fitReply(reply, body.max_completion_tokens ?? body.max_tokens);
  const text = pieces.join('');
  const usage = {
    prompt_tokens: countInputTokens(undefined, body.messages),
    completion_tokens: countTokens(text),
    total_tokens: 0,
  };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  const id = `chatcmpl-${randomUUID().replaceAll('-', '').slice(0, 24)}`;
  const created = Math.floor(Date.now() / 1000);
  const base = { id, created, model: body.model, system_fingerprint: 'fp_atlas_fake' };

  if (!body.stream) {
    await waitFirstToken(profile, clientGone);
    response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId });
    response.end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text, refusal: null },
            logprobs: null,
            finish_reason: finish,
          },
        ],
        usage,
      }),
    );
    return;
  }

  const includeUsage = body.stream_options?.include_usage === true;
  const cutAfter = fault?.kind === 'cut' ? fault.afterChunks : Number.POSITIVE_INFINITY;
  let sent = 0;
  /** Writes one `data:` chunk; false once the stream is over (client gone or cut applied). */
  const send = async (payload: unknown): Promise<boolean> => {
    if (clientGone.aborted) return false;
    const data = typeof payload === 'string' ? payload : JSON.stringify(payload);
    await writeFlushed(response, `data: ${data}\n\n`);
    sent += 1;
    if (sent >= cutAfter) {
      response.socket?.destroy();
      return false;
    }
    return true;
  };
  const chunk = (delta: object, finishReason: string | null) => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });

  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': requestId,
  });
  if (cutAfter <= 0) return void response.socket?.destroy();
  await waitFirstToken(profile, clientGone);
  if (!(await send(chunk({ role: 'assistant', content: '', refusal: null }, null)))) return;
  for (const [index, piece] of pieces.entries()) {
    if (index > 0) await waitForPiece(profile, piece, clientGone);
    if (!(await send(chunk({ content: piece }, null)))) return;
  }
  if (!(await send(chunk({}, finish)))) return;
  if (
    includeUsage &&
    !(await send({ ...base, object: 'chat.completion.chunk', choices: [], usage }))
  )
    return;
  if (!(await send('[DONE]'))) return;
  response.end();
}

export const chatCompletionsRoute: OpenAiRoute = {
  method: 'POST',
  path: '/v1/chat/completions',
  handle: handleChat,
};
