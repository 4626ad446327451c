/**
 * @module chat/chat-controller
 * The chat page's one in-flight reply and its last error, outside React so the stream survives
 * switching conversations and a test can drive it: send (or resend a failed message), stop,
 * and a sync after every send. {@link ChatController.dispose} aborts the stream (unmount).
 */
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { Logger } from '../app/logger.js';
import type { ChatDatabase } from './chat-db.js';
import { renameConversation, titleFromMessage } from './conversation-actions.js';
import { sendMessage } from './send-message.js';

export interface ChatControllerState {
  /** The conversation whose reply is streaming, if any. */
  streamingIn: string | null;
  /** The last failure and where it happened (null: outside any conversation). */
  failure: { conversationId: string | null; error: ApiError } | null;
}

export type SendResult = 'sent' | 'stopped' | 'not-sent' | 'failed';

export interface ChatControllerOptions {
  api: Pick<ApiClient, 'raw' | 'json'>;
  db: ChatDatabase;
  requestSync: () => Promise<void>;
  logger?: Logger;
}

export class ChatController {
  readonly #options: ChatControllerOptions;
  readonly #listeners = new Set<() => void>();
  #state: ChatControllerState = { streamingIn: null, failure: null };
  #abort: AbortController | null = null;

  constructor(options: ChatControllerOptions) {
    this.#options = options;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): ChatControllerState => this.#state;

  /**
   * Sends `content` to the conversation and streams the reply. Resolves `not-sent` when Atlas
   * never accepted it (the message stays, marked failed, and the caller keeps the text),
   * `failed` when the reply failed after acceptance.
   */
  async send(
    conversationId: string,
    content: string,
    resendMessageId?: string,
  ): Promise<SendResult> {
    if (this.#abort !== null) return 'not-sent';
    const { api, db, requestSync, logger } = this.#options;
    const abort = new AbortController();
    this.#abort = abort;
    this.#set({ streamingIn: conversationId, failure: null });
    const resendId = resendMessageId ?? (await this.#failedCopy(conversationId, content));
    let accepted = false;
    let result: SendResult;
    try {
      const outcome = await sendMessage({
        api,
        db,
        conversationId,
        content,
        signal: abort.signal,
        onAccepted: () => {
          accepted = true;
        },
        ...(resendId === undefined ? {} : { resendMessageId: resendId }),
      });
      result = outcome === 'done' ? 'sent' : 'stopped';
    } catch (thrown) {
      const error = ApiError.fromThrown(thrown);
      result = accepted ? 'failed' : 'not-sent';
      if (error.code !== 'aborted') {
        this.#set({ ...this.#state, failure: { conversationId, error } });
      }
      logger?.warn('sending a message failed', { code: error.code });
    } finally {
      if (this.#abort === abort) this.#abort = null;
      this.#set({ ...this.#state, streamingIn: null });
    }
    if (result !== 'not-sent') {
      void this.#nameIfUntitled(conversationId, content);
      void requestSync();
    }
    return result;
  }

  stop(): void {
    this.#abort?.abort();
  }

  /** Shows an error that happened outside a send (creating a conversation, renaming…). */
  report(conversationId: string | null, error: unknown): void {
    this.#set({ ...this.#state, failure: { conversationId, error: ApiError.fromThrown(error) } });
  }

  dismissError(): void {
    if (this.#state.failure !== null) this.#set({ ...this.#state, failure: null });
  }

  dispose(): void {
    this.#abort?.abort();
    this.#abort = null;
  }

  /** A failed copy of the same text in this conversation is resent rather than duplicated. */
  async #failedCopy(conversationId: string, content: string): Promise<string | undefined> {
    const rows = await this.#options.db.messagesOf(conversationId);
    return rows.find(
      (row) => row.role === 'user' && row.local === 'failed' && row.content === content,
    )?.id;
  }

  async #nameIfUntitled(conversationId: string, content: string): Promise<void> {
    const { api, db, logger } = this.#options;
    const conversation = await db.conversations.get(conversationId);
    if (conversation === undefined || conversation.title !== null) return;
    const title = titleFromMessage(content);
    if (title.length === 0) return;
    try {
      await renameConversation(api, db, conversationId, title);
    } catch (error) {
      logger?.info('naming the conversation failed', { error: String(error) });
    }
  }

  #set(state: ChatControllerState): void {
    this.#state = state;
    for (const listener of this.#listeners) listener();
  }
}
