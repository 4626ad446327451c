import { describe, expect, it } from 'vitest';
import { captureConstraints } from './capture-constraints.js';

describe('captureConstraints', () => {
  it('turns on echo cancellation, noise suppression and gain control by default', () => {
    expect(captureConstraints('')).toMatchObject({
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
    });
  });

  it('turns gain control and noise suppression off with ?agc=0, for browser tests', () => {
    expect(captureConstraints('?x=1&agc=0')).toMatchObject({
      echoCancellation: true,
      noiseSuppression: false,
      autoGainControl: false,
    });
    expect(captureConstraints('?agc=1').autoGainControl).toBe(true);
  });
});
