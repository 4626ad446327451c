/**
 * @module chat/ConversationItem
 * One entry of the conversation list: a link to it, inline rename (validated, Enter saves,
 * Escape cancels) and delete behind an inline confirmation.
 */
import { TITLE_MAX_CHARS } from '@atlas/protocol';
import { type FormEvent, type KeyboardEvent, useId, useState } from 'react';
import { Link } from '../app/router.js';
import { pathOf } from '../app/routes.js';
import type { StoredConversation } from './chat-db.js';
import { validateTitle } from './conversation-actions.js';
import { PencilIcon, TrashIcon } from './icons.js';

export const UNTITLED = 'New conversation';

interface Props {
  conversation: StoredConversation;
  active: boolean;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
}

type Mode =
  | { kind: 'view' }
  | { kind: 'rename'; draft: string; error: string | null }
  | { kind: 'confirm-delete' };

export function ConversationItem({ conversation, active, onRename, onDelete }: Props) {
  const [mode, setMode] = useState<Mode>({ kind: 'view' });
  const [busy, setBusy] = useState(false);
  const errorId = useId();
  const title = conversation.title ?? UNTITLED;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (mode.kind !== 'rename') return;
    const valid = validateTitle(mode.draft);
    if (!valid.ok) {
      setMode({ ...mode, error: valid.error });
      return;
    }
    setMode({ kind: 'view' });
    if (valid.title !== conversation.title) await onRename(conversation.id, valid.title);
  };

  const cancelOnEscape = (event: KeyboardEvent) => {
    if (event.key === 'Escape') setMode({ kind: 'view' });
  };

  if (mode.kind === 'rename') {
    return (
      <li className="conversation conversation--editing">
        <form className="conversation__rename" onSubmit={save} onKeyDown={cancelOnEscape}>
          <input
            className="conversation__title-input"
            aria-label="Conversation title"
            aria-invalid={mode.error !== null}
            aria-describedby={mode.error === null ? undefined : errorId}
            data-testid="rename-input"
            // biome-ignore lint/a11y/noAutofocus: the user just asked to edit this title
            autoFocus
            value={mode.draft}
            onChange={(event) => {
              const draft = event.target.value;
              const tooLong = draft.trim().length > TITLE_MAX_CHARS;
              setMode({
                kind: 'rename',
                draft,
                error: tooLong ? `Keep the title to ${TITLE_MAX_CHARS} characters or fewer.` : null,
              });
            }}
          />
          <div className="conversation__edit-actions">
            <button
              type="submit"
              className="button button--small button--primary"
              data-testid="rename-save"
            >
              Save
            </button>
            <button
              type="button"
              className="button button--small"
              onClick={() => setMode({ kind: 'view' })}
            >
              Cancel
            </button>
          </div>
          {mode.error !== null && (
            <p id={errorId} className="field-error" role="alert">
              {mode.error}
            </p>
          )}
        </form>
      </li>
    );
  }

  if (mode.kind === 'confirm-delete') {
    return (
      <li
        className="conversation conversation--confirm"
        role="alertdialog"
        aria-label={`Delete ${title}?`}
        onKeyDown={cancelOnEscape}
      >
        <p className="conversation__confirm-text">Delete “{title}”? This cannot be undone.</p>
        <div className="conversation__edit-actions">
          <button
            type="button"
            className="button button--small button--danger"
            data-testid="confirm-delete"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              try {
                await onDelete(conversation.id);
              } finally {
                setBusy(false);
                setMode({ kind: 'view' });
              }
            }}
          >
            Delete
          </button>
          <button
            type="button"
            className="button button--small"
            data-testid="cancel-delete"
            // biome-ignore lint/a11y/noAutofocus: the safe choice gets focus in a destructive prompt
            autoFocus
            onClick={() => setMode({ kind: 'view' })}
          >
            Cancel
          </button>
        </div>
      </li>
    );
  }

  return (
    <li className={`conversation${active ? ' conversation--active' : ''}`}>
      <Link
        className="conversation__link"
        to={pathOf({ name: 'chat', conversationId: conversation.id })}
        data-testid="conversation-item"
        aria-current={active ? 'page' : undefined}
        title={title}
      >
        {title}
      </Link>
      <div className="conversation__actions">
        <button
          type="button"
          className="icon-button"
          data-testid="rename-conversation"
          aria-label={`Rename ${title}`}
          title="Rename"
          onClick={() => setMode({ kind: 'rename', draft: conversation.title ?? '', error: null })}
        >
          <PencilIcon />
        </button>
        <button
          type="button"
          className="icon-button icon-button--danger"
          data-testid="delete-conversation"
          aria-label={`Delete ${title}`}
          title="Delete"
          onClick={() => setMode({ kind: 'confirm-delete' })}
        >
          <TrashIcon />
        </button>
      </div>
    </li>
  );
}
