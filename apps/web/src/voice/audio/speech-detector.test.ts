import { describe, expect, it } from 'vitest';
import { SpeechDetector } from './speech-detector.js';

describe('SpeechDetector', () => {
  it('starts after 200 ms above the threshold and ends after 800 ms below it', () => {
    const detector = new SpeechDetector();
    expect(detector.push(0.1, 100)).toBeUndefined();
    expect(detector.push(0.1, 100)).toBe('speech_start');
    expect(detector.speaking).toBe(true);
    for (let i = 0; i < 7; i++) expect(detector.push(0.001, 100)).toBeUndefined();
    expect(detector.push(0.001, 100)).toBe('speech_end');
    expect(detector.speaking).toBe(false);
  });

  it('ignores a single loud frame and a short pause inside speech', () => {
    const detector = new SpeechDetector();
    expect(detector.push(0.5, 100)).toBeUndefined();
    expect(detector.push(0, 100)).toBeUndefined();
    expect(detector.push(0.5, 100)).toBeUndefined();
    expect(detector.push(0.5, 100)).toBe('speech_start');
    for (let i = 0; i < 5; i++) detector.push(0, 100);
    expect(detector.push(0.3, 100)).toBeUndefined(); // speech resumes: the silence count restarts
    for (let i = 0; i < 7; i++) expect(detector.push(0, 100)).toBeUndefined();
    expect(detector.push(0, 100)).toBe('speech_end');
  });

  it('honours its options', () => {
    const detector = new SpeechDetector({ threshold: 0.2, minSpeechMs: 100, silenceMs: 100 });
    expect(detector.push(0.1, 100)).toBeUndefined();
    expect(detector.push(0.3, 100)).toBe('speech_start');
    expect(detector.push(0.1, 100)).toBe('speech_end');
  });
});
