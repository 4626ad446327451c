import { describe, expect, it } from 'vitest';
import { describeClose } from './close-reasons.js';

describe('describeClose', () => {
  it('explains every protocol close code in words', () => {
    expect(describeClose(4001)).toMatch(/sign in again/i);
    expect(describeClose(4003)).toMatch(/upgrade to studio/i);
    expect(describeClose(4029)).toMatch(/too many voice calls/i);
    expect(describeClose(4008)).toMatch(/budget/i);
    expect(describeClose(4009)).toMatch(/without speech/i);
    expect(describeClose(1001)).toMatch(/restarting/i);
    expect(describeClose(4000)).toMatch(/did not understand/i);
    expect(describeClose(1011)).toMatch(/went wrong/i);
    expect(describeClose(4321)).toMatch(/code 4321/);
  });

  it('adds the server’s own explanation when there is one', () => {
    expect(describeClose(4008, 'The session budget of $5.00 is spent.')).toBe(
      'The call reached its limit (its budget, its maximum length or your monthly allowance). The session budget of $5.00 is spent.',
    );
    expect(describeClose(4001, '  ')).toBe('Your session has ended. Please sign in again.');
  });
});
