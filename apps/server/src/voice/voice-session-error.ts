/**
 * @module voice/voice-session-error
 * An AtlasError that also says how the WebSocket closes (the protocol's close codes).
 */
import { type ErrorCode, VOICE_CLOSE_CODES, type VoiceCloseCode } from '@atlas/protocol';
import { AtlasError } from '../errors.js';

export class VoiceSessionError extends AtlasError {
  readonly closeCode: VoiceCloseCode;

  constructor(code: ErrorCode, closeCode: VoiceCloseCode, message?: string) {
    super(code, message);
    this.closeCode = closeCode;
  }
}

/** The close code for an error raised while a session was being opened. */
export function closeCodeFor(error: AtlasError): VoiceCloseCode {
  if (error instanceof VoiceSessionError) return error.closeCode;
  switch (error.code) {
    case 'unauthorized':
    case 'token_invalid':
    case 'token_expired':
      return VOICE_CLOSE_CODES.unauthorized;
    case 'tier_required':
      return VOICE_CLOSE_CODES.tierRequired;
    case 'too_many_sessions':
    case 'rate_limited':
      return VOICE_CLOSE_CODES.tooManySessions;
    case 'limit_reached':
      return VOICE_CLOSE_CODES.limitReached;
    case 'idle_timeout':
      return VOICE_CLOSE_CODES.idleTimeout;
    case 'validation_failed':
    case 'protocol_error':
    case 'bad_request':
    case 'not_found':
      return VOICE_CLOSE_CODES.protocolError;
    case 'server_shutdown':
      return VOICE_CLOSE_CODES.serverShutdown;
    default:
      return VOICE_CLOSE_CODES.internalError;
  }
}
