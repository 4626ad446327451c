import { describe, expect, it } from 'vitest';
import { voiceSocketUrl } from './voice-url.js';

describe('voiceSocketUrl', () => {
  it('uses the page origin, secure when the page is', () => {
    expect(voiceSocketUrl('', { protocol: 'http:', host: 'localhost:8787' })).toBe(
      'ws://localhost:8787/v2/voice',
    );
    expect(voiceSocketUrl('', { protocol: 'https:', host: 'atlas.example' })).toBe(
      'wss://atlas.example/v2/voice',
    );
  });

  it('uses the API origin when one is configured', () => {
    expect(voiceSocketUrl('https://api.example:8443', { protocol: 'http:', host: 'x' })).toBe(
      'wss://api.example:8443/v2/voice',
    );
  });
});
