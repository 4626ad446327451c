import { describe, expect, it } from 'vitest';
import { describeAudioStartFailure } from './voice-service.js';

describe('describeAudioStartFailure', () => {
  it('explains the usual reasons audio cannot start', () => {
    expect(describeAudioStartFailure(new DOMException('x', 'NotAllowedError'))).toMatch(/blocked/);
    expect(describeAudioStartFailure(new DOMException('x', 'NotFoundError'))).toMatch(
      /No microphone/,
    );
    expect(describeAudioStartFailure(new DOMException('x', 'NotReadableError'))).toMatch(/in use/);
    expect(describeAudioStartFailure(new Error('addModule failed'))).toMatch(/could not start/);
  });
});
