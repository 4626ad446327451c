/**
 * @module chat
 * The chat REST API plugin and its hooks.
 */
export {
  type ChatHooks,
  type ChatRoutesOptions,
  type ChatUsageEvent,
  chatRoutes,
  decodeCursor,
  encodeCursor,
  noopChatHooks,
} from './chat-routes.js';
