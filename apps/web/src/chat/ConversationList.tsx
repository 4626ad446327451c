/**
 * @module chat/ConversationList
 * The user's conversations, newest first, read live from the local store, with "New
 * conversation" on top.
 */

import { ConversationItem } from './ConversationItem.js';
import { useChat } from './chat-context.js';
import { PlusIcon } from './icons.js';
import { useLiveQuery } from './use-live-query.js';

interface Props {
  activeId: string | null;
  creating: boolean;
  onNew: () => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
}

export function ConversationList({ activeId, creating, onNew, onRename, onDelete }: Props) {
  const { db } = useChat();
  const conversations = useLiveQuery(() => db.conversationsByRecency(), 'all');

  return (
    <nav className="conversations" aria-label="Conversations">
      <button
        type="button"
        className="button button--primary conversations__new"
        data-testid="new-conversation"
        onClick={onNew}
        disabled={creating}
      >
        <PlusIcon />
        {creating ? 'Creating…' : 'New conversation'}
      </button>
      {conversations === undefined ? (
        <p className="conversations__empty">Loading…</p>
      ) : conversations.length === 0 ? (
        <p className="conversations__empty">No conversations yet.</p>
      ) : (
        <ul className="conversations__list">
          {conversations.map((conversation) => (
            <ConversationItem
              key={conversation.id}
              conversation={conversation}
              active={conversation.id === activeId}
              onRename={onRename}
              onDelete={onDelete}
            />
          ))}
        </ul>
      )}
    </nav>
  );
}
