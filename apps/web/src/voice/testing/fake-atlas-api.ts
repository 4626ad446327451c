/**
 * @module voice/testing/fake-atlas-api
 * A fetch stand-in answering the V1 voice turn's REST calls the way Atlas does (transcribe,
 * create conversation, SSE reply, speak), recording each request for assertions.
 */
import { ApiClient } from '../../api/api-client.js';
import { encodeWav } from '../audio/wav.js';

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface FakeAtlasOptions {
  transcript?: string;
  replyPieces?: string[];
  /** Status for `/v1/voice/transcribe` (e.g. 402 limit reached). */
  transcribeStatus?: number;
}

export const CONVERSATION_ID = '0b7c7c1e-2f4e-4d43-9d1e-8f0a4d2c9b11';

export function fakeAtlasApi(options: FakeAtlasOptions = {}) {
  const requests: RecordedRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const path = String(input);
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : init?.body;
    requests.push({ method, path, body });
    const json = (status: number, value: unknown) =>
      new Response(JSON.stringify(value), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    if (path === '/v1/voice/transcribe') {
      const status = options.transcribeStatus ?? 200;
      if (status !== 200) return json(status, { code: 'limit_reached', message: 'Limit reached.' });
      return json(200, { text: options.transcript ?? 'hello atlas', durationSeconds: 1.2 });
    }
    if (path === '/v1/conversations') {
      const now = '2026-11-22T00:00:00.000000Z';
      return json(201, {
        conversation: {
          id: CONVERSATION_ID,
          title: 'Voice call',
          createdAt: now,
          updatedAt: now,
          deletedAt: null,
        },
      });
    }
    if (path === `/v1/conversations/${CONVERSATION_ID}/messages`) {
      const pieces = options.replyPieces ?? ['Hello ', 'from Atlas.'];
      const text = pieces.join('');
      const events = [
        ...pieces.map((piece) => `event: delta\ndata: ${JSON.stringify({ text: piece })}\n\n`),
        `event: done\ndata: ${JSON.stringify({
          message: {
            id: 'm1',
            conversationId: CONVERSATION_ID,
            role: 'assistant',
            content: text,
            type: 'text',
            metadata: {},
            createdAt: 'x',
            updatedAt: 'x',
            deletedAt: null,
          },
          usage: { model: 'm', inputTokens: 1, outputTokens: 2 },
        })}\n\n`,
      ];
      return new Response(events.join(''), {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
      });
    }
    if (path === '/v1/voice/speak') {
      // 200 ms of audio at 22,050 Hz.
      return new Response(encodeWav(new Uint8Array(8_820), 22_050) as Uint8Array<ArrayBuffer>, {
        status: 200,
        headers: { 'content-type': 'audio/wav' },
      });
    }
    return json(404, { code: 'not_found', message: 'Not found.' });
  };
  const api = new ApiClient({ getAccessToken: async () => 'jwt', fetch });
  return { api, requests };
}
