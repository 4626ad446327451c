import { describe, expect, it } from 'vitest';
import { ConversationHistory, toLlmHistory } from './conversation-history.js';

describe('conversation history', () => {
  it('alternates roles, starts with the user and drops empty turns', () => {
    expect(
      toLlmHistory(
        [
          { role: 'assistant', content: 'Hi!' },
          { role: 'user', content: 'one' },
          { role: 'user', content: 'two' },
          { role: 'assistant', content: '' },
          { role: 'assistant', content: 'ok' },
        ],
        10,
      ),
    ).toEqual([
      { role: 'user', content: 'one\ntwo' },
      { role: 'assistant', content: 'ok' },
    ]);
  });

  it('keeps only the most recent messages and appends the new user text', () => {
    const history = new ConversationHistory([], 3);
    for (let i = 0; i < 10; i++) {
      history.add({ role: 'user', content: `q${i}` });
      history.add({ role: 'assistant', content: `a${i}` });
    }
    expect(history.forReply('next')).toEqual([
      { role: 'user', content: 'q9' },
      { role: 'assistant', content: 'a9' },
      { role: 'user', content: 'next' },
    ]);
  });

  it('does not repeat a user turn that is already in the history', () => {
    const history = new ConversationHistory([], 10);
    history.add({ role: 'user', content: 'hello' });
    expect(history.forReply('hello')).toEqual([{ role: 'user', content: 'hello' }]);
    expect(history.forReply('hello there')).toEqual([
      { role: 'user', content: 'hello\nhello there' },
    ]);
  });
});
