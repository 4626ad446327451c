/**
 * @module voice/limits
 * The voice gateway's limits: per-user concurrent sessions (leases shared across instances),
 * resume tickets, and the per-connection audio frame and malformed-message guards.
 */
export {
  FRAME_GUARD_DEFAULTS,
  FrameGuard,
  type FrameGuardOptions,
  type FrameVerdict,
} from './frame-guard.js';
export {
  MALFORMED_COUNTER_DEFAULTS,
  MalformedCounter,
  type MalformedCounterOptions,
  type MalformedVerdict,
} from './malformed-counter.js';
export { MemoryResumeStore, type MemoryResumeStoreOptions } from './memory-resume-store.js';
export {
  MemorySessionRegistry,
  type MemorySessionRegistryOptions,
} from './memory-session-registry.js';
export { RedisResumeStore, type RedisResumeStoreOptions } from './redis-resume-store.js';
export {
  RedisSessionRegistry,
  type RedisSessionRegistryOptions,
} from './redis-session-registry.js';
export {
  RESUME_STORE_DEFAULTS,
  type ResumeState,
  type ResumeStore,
  type ResumeStoreOptions,
  type ResumeTicket,
} from './resume-store.js';
export {
  type AcquireResult,
  type HeartbeatHandle,
  type HeartbeatOptions,
  SESSION_REGISTRY_DEFAULTS,
  type SessionRegistry,
  startHeartbeat,
} from './session-registry.js';
export {
  StandingTicket,
  type StandingTicketOptions,
  type TicketEndOutcome,
} from './standing-ticket.js';
export { createVoiceLimits, type VoiceLimits, type VoiceLimitsOptions } from './voice-limits.js';
