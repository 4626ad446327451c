import { describe, expect, it } from 'vitest';
import { titleFromMessage, validateTitle } from './conversation-actions.js';

describe('validateTitle', () => {
  it('accepts up to 200 characters after stripping markup, refuses empty and longer', () => {
    expect(validateTitle('  <i>Trip</i>   plans ')).toEqual({ ok: true, title: 'Trip plans' });
    expect(validateTitle('x'.repeat(200))).toMatchObject({ ok: true });
    expect(validateTitle('x'.repeat(201))).toEqual({
      ok: false,
      error: 'Keep the title to 200 characters or fewer.',
    });
    expect(validateTitle('   ')).toEqual({ ok: false, error: 'The title cannot be empty.' });
  });
});

describe('titleFromMessage', () => {
  it('takes the first line, shortened at a word', () => {
    expect(titleFromMessage('  Plan a trip\nwith details')).toBe('Plan a trip');
    expect(titleFromMessage(`${'word '.repeat(20)}end`, 30)).toBe('word word word word word word…');
  });
});
