import { describe, expect, it } from 'vitest';
import { normalizeTranscript } from './normalize-text.js';

describe('normalizeTranscript', () => {
  it('ignores case, punctuation and spacing', () => {
    expect(normalizeTranscript('  What is the Weather, today? ')).toBe('what is the weather today');
    expect(normalizeTranscript("It's  fine!")).toBe(normalizeTranscript('its fine'));
  });

  it('keeps words that differ', () => {
    expect(normalizeTranscript('what is the weather')).not.toBe(
      normalizeTranscript('what is the weather in paris'),
    );
  });
});
