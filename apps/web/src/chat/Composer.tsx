/**
 * @module chat/Composer
 * The message box: Enter sends, Shift+Enter adds a line; Stop appears while the reply streams.
 */
import { MESSAGE_MAX_CHARS } from '@atlas/protocol';
import {
  type FormEvent,
  type KeyboardEvent,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
} from 'react';
import { SendIcon, StopIcon } from './icons.js';

/** Whether CSS alone grows the box with its text (`field-sizing: content`). */
function sizesItself(): boolean {
  return typeof CSS !== 'undefined' && CSS.supports?.('field-sizing', 'content') === true;
}

interface Props {
  /** Focus the box when this changes (a conversation was opened). */
  focusKey: string;
  /** The draft, owned by the page so it survives failures and resends can clear it. */
  text: string;
  onTextChange: (text: string) => void;
  streaming: boolean;
  /** Another reply streams elsewhere: sending waits for it. */
  busy: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

export function Composer({
  focusKey,
  text,
  onTextChange: setText,
  streaming,
  busy,
  onSend,
  onStop,
}: Props) {
  const hintId = useId();
  const input = useRef<HTMLTextAreaElement>(null);

  // Grows with its text up to the CSS max-height: `field-sizing: content` does it where
  // supported; elsewhere the height follows the content's scroll height.
  // biome-ignore lint/correctness/useExhaustiveDependencies: text is the trigger, not an input
  useLayoutEffect(() => {
    const element = input.current;
    if (element === null || sizesItself()) return;
    element.style.height = 'auto';
    element.style.height = `${element.scrollHeight}px`;
  }, [text]);

  // Opening a conversation is a request to write in it; the key is the trigger.
  // biome-ignore lint/correctness/useExhaustiveDependencies: focusKey is the trigger, not an input
  useEffect(() => {
    input.current?.focus();
  }, [focusKey]);
  const tooLong = text.length > MESSAGE_MAX_CHARS;
  const blank = text.trim().length === 0;
  const canSend = !blank && !tooLong && !busy && !streaming;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (canSend) onSend(text);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    submit();
  };

  return (
    <form className="composer" onSubmit={submit}>
      <label className="visually-hidden" htmlFor={`${hintId}-input`}>
        Message
      </label>
      <textarea
        ref={input}
        id={`${hintId}-input`}
        className="composer__input"
        data-testid="chat-input"
        placeholder="Message Atlas…"
        rows={1}
        value={text}
        aria-describedby={hintId}
        aria-invalid={tooLong}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      {streaming ? (
        <button
          type="button"
          className="composer__button composer__button--stop"
          data-testid="chat-stop"
          onClick={onStop}
          aria-label="Stop the reply"
          title="Stop"
        >
          <StopIcon />
        </button>
      ) : (
        <button
          type="submit"
          className="composer__button"
          data-testid="chat-send"
          disabled={!canSend}
          aria-label="Send"
          title="Send (Enter)"
        >
          <SendIcon />
        </button>
      )}
      <p id={hintId} className={`composer__hint${tooLong ? ' composer__hint--error' : ''}`}>
        {tooLong
          ? `${text.length.toLocaleString()} / ${MESSAGE_MAX_CHARS.toLocaleString()} characters: shorten your message to send it.`
          : 'Enter to send, Shift+Enter for a new line'}
      </p>
    </form>
  );
}
