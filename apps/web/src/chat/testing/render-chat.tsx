/**
 * Renders the chat page the way the shell does (router, services, a fresh per-test database)
 * against a fake Atlas whose message replies the test streams by hand.
 */
import type { ClientConfig } from '@atlas/protocol';
import { render } from '@testing-library/react';
import { vi } from 'vitest';
import { ApiClient } from '../../api/api-client.js';
import { createLogger } from '../../app/logger.js';
import { HistoryRouter, RouterProvider } from '../../app/router.js';
import { ServicesProvider } from '../../app/services.js';
import { ChatPage } from '../ChatPage.js';
import { ChatDatabase } from '../chat-db.js';
import { jsonResponse, syncPage, uniqueUserId } from './chat-fixtures.js';

export const TEST_CONFIG: ClientConfig = {
  version: 'test',
  voiceV2Enabled: true,
  voiceAvailable: true,
  auth: { url: null, anonKey: null },
  offline: false,
  providers: { stt: 'fake', llm: 'fake', tts: 'fake' },
};

/** One streamed reply the test controls: push events, end it, and see whether it was aborted. */
export class ScriptedReply {
  readonly #encoder = new TextEncoder();
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  aborted = false;
  readonly body: ReadableStream<Uint8Array>;

  constructor(signal: AbortSignal | undefined) {
    this.body = new ReadableStream({
      start: (controller) => {
        this.#controller = controller;
      },
    });
    // What a browser does when a fetch is aborted mid-body: the body errors with AbortError.
    signal?.addEventListener('abort', () => {
      this.aborted = true;
      this.#controller.error(new DOMException('The operation was aborted.', 'AbortError'));
    });
  }

  event(name: string, data: unknown): void {
    this.#controller.enqueue(
      this.#encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`),
    );
  }

  end(): void {
    this.#controller.close();
  }
}

export type SendHandler = (
  body: { content: string },
  signal: AbortSignal | undefined,
) => Response | Promise<Response>;

export function renderChat(options: {
  conversationId: string | null;
  onSend: SendHandler;
  /** Answers `/v1/sync`; by default at once with nothing new. */
  onSync?: () => Response | Promise<Response>;
  database?: ChatDatabase;
}) {
  const db = options.database ?? new ChatDatabase(uniqueUserId());
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://atlas.test');
    const signal = init?.signal ?? undefined;
    if (url.pathname === '/v1/sync') {
      return options.onSync?.() ?? jsonResponse(syncPage({ nextCursor: 'cursor' }));
    }
    if (url.pathname.endsWith('/messages') && init?.method === 'POST') {
      return options.onSend(JSON.parse(String(init.body)) as { content: string }, signal);
    }
    if (url.pathname.startsWith('/v1/conversations/') && init?.method === 'PATCH') {
      const { title } = JSON.parse(String(init.body)) as { title: string };
      const id = url.pathname.split('/').at(-1) ?? '';
      const at = '2026-03-01T10:00:00.000000Z';
      return jsonResponse({
        conversation: { id, title, createdAt: at, updatedAt: at, deletedAt: null },
      });
    }
    return jsonResponse({ code: 'not_found', message: 'Not found.' }, 404);
  });
  const api = new ApiClient({ getAccessToken: async () => 'token', fetch });
  const services = {
    config: TEST_CONFIG,
    api,
    getAccessToken: async () => 'token',
    userId: 'user-1',
    logger: createLogger({ level: 'error', sink: { ...console, error: () => {} } }),
    baseUrl: '',
  };
  const router = new HistoryRouter(window);
  const view = render(
    <RouterProvider router={router}>
      <ServicesProvider services={services}>
        <ChatPage conversationId={options.conversationId} database={db} />
      </ServicesProvider>
    </RouterProvider>,
  );
  return { ...view, db, fetch, router };
}
