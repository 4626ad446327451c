/**
 * @module chat/chat-context
 * Wires the chat feature for the signed-in user: their local database, the sync engine
 * (started on mount, stopped on unmount) and the reply controller, shared by the conversation
 * list and the message view through one context.
 */
import {
  createContext,
  type ReactNode,
  useContext,
  useEffect,
  useMemo,
  useSyncExternalStore,
} from 'react';
import { useServices } from '../app/services.js';
import { ChatController, type ChatControllerState } from './chat-controller.js';
import { type ChatDatabase, chatDatabaseFor, recoverInterruptedRows } from './chat-db.js';
import { SyncEngine, type SyncStatus } from './sync-engine.js';

export interface ChatFeature {
  db: ChatDatabase;
  sync: SyncEngine;
  controller: ChatController;
}

const ChatContext = createContext<ChatFeature | null>(null);

export function ChatProvider(props: { children: ReactNode; database?: ChatDatabase }) {
  const { api, userId, logger } = useServices();
  const db = props.database ?? chatDatabaseFor(userId);
  const feature = useMemo(() => {
    const chatLogger = logger.child('chat');
    const sync = new SyncEngine({ db, api, logger: chatLogger.child('sync') });
    const controller = new ChatController({
      api,
      db,
      requestSync: sync.requestSync,
      logger: chatLogger,
    });
    return { db, sync, controller };
  }, [api, db, logger]);

  useEffect(() => {
    void recoverInterruptedRows(feature.db).catch((error: unknown) =>
      logger.warn('recovering interrupted messages failed', { error: String(error) }),
    );
    void feature.sync.start();
    return () => {
      feature.sync.stop();
      feature.controller.dispose();
    };
  }, [feature, logger]);

  return <ChatContext.Provider value={feature}>{props.children}</ChatContext.Provider>;
}

export function useChat(): ChatFeature {
  const feature = useContext(ChatContext);
  if (feature === null) throw new Error('useChat() needs a <ChatProvider> above it');
  return feature;
}

export function useSyncStatus(): SyncStatus {
  const { sync } = useChat();
  return useSyncExternalStore(sync.subscribe, sync.getSnapshot);
}

export function useChatState(): ChatControllerState {
  const { controller } = useChat();
  return useSyncExternalStore(controller.subscribe, controller.getSnapshot);
}
