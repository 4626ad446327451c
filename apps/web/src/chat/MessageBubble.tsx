/**
 * @module chat/MessageBubble
 * One message: the user's on the right, the assistant's on the left, with what happened to it
 * on this device (sending, not sent with a resend button, streaming, stopped, failed).
 */

import { isErrorCode } from '@atlas/protocol';
import { memo } from 'react';
import { ApiError, describeError } from '../api/api-error.js';
import type { StoredMessage } from './chat-db.js';

interface Props {
  message: StoredMessage;
  onResend?: (message: StoredMessage) => void;
}

export const MessageBubble = memo(function MessageBubble({ message, onResend }: Props) {
  if (message.role === 'user') {
    return (
      <li className="message message--user">
        <div className="bubble bubble--user" data-testid="message-user" data-local={message.local}>
          {message.content}
        </div>
        {message.local === 'pending' && <p className="message__note">Sending…</p>}
        {message.local === 'failed' && (
          <p
            className="message__note message__note--error"
            title={message.errorCode === undefined ? undefined : failureWords(message)}
          >
            Not sent
            {onResend !== undefined && (
              <>
                {' · '}
                <button
                  type="button"
                  className="link-button"
                  data-testid="message-resend"
                  onClick={() => onResend(message)}
                >
                  Resend
                </button>
              </>
            )}
          </p>
        )}
      </li>
    );
  }

  const streaming = message.local === 'streaming';
  const stopped = message.local === 'stopped' || message.metadata.cancelled === true;
  const failed = message.local === 'failed' || typeof message.metadata.error === 'string';
  return (
    <li className="message message--assistant">
      <div
        className="bubble bubble--assistant"
        data-testid="message-assistant"
        data-streaming={streaming ? 'true' : 'false'}
        aria-busy={streaming}
      >
        {message.content}
        {streaming && message.content.length === 0 && (
          <span className="typing" role="img" aria-label="Atlas is typing">
            <span />
            <span />
            <span />
          </span>
        )}
        {streaming && message.content.length > 0 && <span className="caret" aria-hidden="true" />}
      </div>
      {stopped && !failed && (
        <p className="message__note" data-testid="message-stopped">
          Stopped
          {message.errorCode === undefined ? '' : ` · ${failureWords(message)}`}
        </p>
      )}
      {failed && (
        <p className="message__note message__note--error">
          The reply failed{message.errorCode === undefined ? '.' : `: ${failureWords(message)}`}
        </p>
      )}
    </li>
  );
});

/** The stored failure in the same words the error banner uses. */
function failureWords(message: StoredMessage): string {
  const code = message.errorCode ?? 'internal';
  const known = isErrorCode(code) || code === 'offline' || code === 'network' || code === 'aborted';
  return describeError(new ApiError(known ? code : 'internal', message.errorMessage ?? ''));
}
