/**
 * @module chat/MessageList
 * The conversation's messages from the local store, oldest first, following the newest one.
 */
import { useRef } from 'react';
import type { StoredMessage } from './chat-db.js';
import { MessageBubble } from './MessageBubble.js';
import { useAutoScroll } from './use-auto-scroll.js';

interface Props {
  conversationId: string;
  messages: readonly StoredMessage[];
  onResend: (message: StoredMessage) => void;
}

export function MessageList({ conversationId, messages, onResend }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const last = messages.at(-1);
  const version = `${messages.length}:${last?.id}:${last?.content.length}:${last?.local}`;
  const { onScroll } = useAutoScroll(scroller, version, conversationId);

  return (
    <div className="messages" ref={scroller} onScroll={onScroll}>
      {messages.length === 0 ? (
        <p className="messages__empty">No messages yet. Say hello.</p>
      ) : (
        // aria-busy while a reply streams: screen readers announce it once it is complete
        // instead of token by token.
        <ol
          className="messages__list"
          aria-label="Messages"
          aria-live="polite"
          aria-busy={messages.some((message) => message.local === 'streaming')}
        >
          {messages.map((message) => (
            <MessageBubble key={message.id} message={message} onResend={onResend} />
          ))}
        </ol>
      )}
    </div>
  );
}
