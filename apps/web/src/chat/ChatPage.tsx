/**
 * @module chat/ChatPage
 * The chat page (`/` and `/chat/:id`): the conversation list beside the open conversation.
 * Each half has its own error boundary so a crash in one leaves the other usable.
 */
import { useState } from 'react';
import { ErrorBoundary } from '../app/ErrorBoundary.js';
import { useRouter } from '../app/router.js';
import { pathOf } from '../app/routes.js';
import { useServices } from '../app/services.js';
import { ChatView } from './ChatView.js';
import { ConversationList } from './ConversationList.js';
import { ChatProvider, useChat } from './chat-context.js';
import type { SendResult } from './chat-controller.js';
import type { ChatDatabase } from './chat-db.js';
import {
  createConversation,
  deleteConversation,
  renameConversation,
  titleFromMessage,
} from './conversation-actions.js';
import './chat.css';

interface Props {
  conversationId: string | null;
  /** Tests pass their own database; the app uses the signed-in user's. */
  database?: ChatDatabase;
}

export function ChatPage({ conversationId, database }: Props) {
  return (
    <ChatProvider {...(database === undefined ? {} : { database })}>
      <ChatLayout conversationId={conversationId} />
    </ChatProvider>
  );
}

function ChatLayout({ conversationId }: { conversationId: string | null }) {
  const { api } = useServices();
  const { db, controller } = useChat();
  const router = useRouter();
  const [creating, setCreating] = useState(false);

  const open = (id: string | null) => router.navigate(pathOf({ name: 'chat', conversationId: id }));

  const newConversation = async (title?: string): Promise<string | null> => {
    setCreating(true);
    try {
      const created = await createConversation(api, db, title);
      open(created.id);
      return created.id;
    } catch (error) {
      controller.report(conversationId, error);
      return null;
    } finally {
      setCreating(false);
    }
  };

  const send = async (text: string): Promise<SendResult> => {
    const id = conversationId ?? (await newConversation(titleFromMessage(text)));
    if (id === null) return 'not-sent';
    return controller.send(id, text);
  };

  const rename = async (id: string, title: string) => {
    try {
      await renameConversation(api, db, id, title);
    } catch (error) {
      controller.report(conversationId, error);
    }
  };

  const remove = async (id: string) => {
    try {
      await deleteConversation(api, db, id);
      if (id === conversationId) open(null);
    } catch (error) {
      controller.report(conversationId, error);
    }
  };

  return (
    <div className="chat-page">
      <aside className="chat-page__sidebar">
        <ErrorBoundary feature="history">
          <ConversationList
            activeId={conversationId}
            creating={creating}
            onNew={() => void newConversation()}
            onRename={rename}
            onDelete={remove}
          />
        </ErrorBoundary>
      </aside>
      <div className="chat-page__main">
        <ChatView conversationId={conversationId} onSend={send} />
      </div>
    </div>
  );
}
