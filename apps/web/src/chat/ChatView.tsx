/**
 * @module chat/ChatView
 * One conversation (or the empty start page when none is chosen): its title and sync state,
 * the messages, errors in words, and the composer.
 */
import { useRef, useState } from 'react';
import { describeError } from '../api/api-error.js';
import { Composer } from './Composer.js';
import { UNTITLED } from './ConversationItem.js';
import { useChat, useChatState, useSyncStatus } from './chat-context.js';
import type { SendResult } from './chat-controller.js';
import type { StoredMessage } from './chat-db.js';
import { MessageList } from './MessageList.js';
import { SyncStatusBadge } from './SyncStatusBadge.js';
import { useLiveQuery } from './use-live-query.js';

interface Props {
  conversationId: string | null;
  /** Sends in this conversation, creating one first when none is chosen. */
  onSend: (text: string) => Promise<SendResult>;
}

export function ChatView({ conversationId, onSend }: Props) {
  const [draft, setDraft] = useState('');
  const latestDraft = useRef(draft);
  latestDraft.current = draft;

  const send = async (text: string) => {
    setDraft('');
    const result = await onSend(text);
    // Never lose what was typed: if Atlas did not take it, put it back (unless the user has
    // started typing something else meanwhile).
    if (result === 'not-sent' && latestDraft.current === '') setDraft(text);
  };

  const { db, controller } = useChat();
  const state = useChatState();
  const key = conversationId ?? '';
  const conversation = useLiveQuery(
    async () => ({
      row: conversationId === null ? null : ((await db.conversations.get(key)) ?? null),
    }),
    key,
  );
  const messages = useLiveQuery(
    () => (conversationId === null ? Promise.resolve([]) : db.messagesOf(key)),
    key,
  );
  const streaming = conversationId !== null && state.streamingIn === conversationId;
  const failure =
    state.failure !== null && state.failure.conversationId === conversationId
      ? state.failure
      : null;

  const resend = (message: StoredMessage) => {
    // The text was also put back in the box when it failed: it is being sent now.
    if (latestDraft.current === message.content) setDraft('');
    void controller.send(message.conversationId, message.content, message.id);
  };

  const title =
    conversationId === null
      ? 'New chat'
      : (conversation?.row?.title ?? (conversation === undefined ? '' : UNTITLED));

  return (
    <section className="chat" aria-labelledby="chat-title">
      <header className="chat__header">
        <h1 id="chat-title" className="chat__title">
          {title}
        </h1>
        <SyncStatusBadge />
      </header>
      {conversationId === null ? (
        <div className="chat__welcome">
          <h2>What can I help with?</h2>
          <p>Ask anything. Your conversations are kept on this device and synced to Atlas.</p>
        </div>
      ) : conversation !== undefined && conversation.row === null && messages?.length === 0 ? (
        <MissingConversation />
      ) : (
        <MessageList conversationId={key} messages={messages ?? []} onResend={resend} />
      )}
      {failure !== null && (
        <div className="chat__error">
          <p role="alert" data-testid="chat-error">
            {describeError(failure.error)}
          </p>
          <button type="button" className="link-button" onClick={() => controller.dismissError()}>
            Dismiss
          </button>
        </div>
      )}
      <Composer
        focusKey={key}
        text={draft}
        onTextChange={setDraft}
        streaming={streaming}
        busy={state.streamingIn !== null && !streaming}
        onSend={(text) => void send(text)}
        onStop={() => controller.stop()}
      />
    </section>
  );
}

/** A conversation this device does not have: still syncing, or really gone. */
function MissingConversation() {
  const { state } = useSyncStatus();
  if (state === 'local' || state === 'syncing') {
    return (
      <div className="chat__welcome" role="status">
        <p>Looking for this conversation…</p>
      </div>
    );
  }
  return (
    <div className="chat__welcome">
      <h2>Conversation not found</h2>
      <p>It may have been deleted, or it has not synced to this device yet.</p>
    </div>
  );
}
