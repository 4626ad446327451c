import { describe, expect, it } from 'vitest';
import { parseSoakArgs, SoakUsageError } from './soak-args.js';

describe('parseSoakArgs', () => {
  it('defaults to 10 minutes, 20 callers, a sample every 10 s, text output', () => {
    expect(parseSoakArgs([])).toEqual({
      minutes: 10,
      concurrency: 20,
      sampleSeconds: 10,
      json: false,
    });
  });

  it('reads every flag', () => {
    expect(
      parseSoakArgs(['--minutes', '0.5', '--concurrency', '4', '--sample-seconds', '2', '--json']),
    ).toEqual({ minutes: 0.5, concurrency: 4, sampleSeconds: 2, json: true });
  });

  it.each([
    [['--minutes'], /--minutes needs a number/],
    [['--minutes', 'ten'], /--minutes needs a number/],
    [['--concurrency', '0'], /--concurrency needs a number above 0/],
    [['--sample-seconds', '-1'], /--sample-seconds/],
    [['--verbose'], /unexpected argument: --verbose/],
  ])('refuses %j with a usage error', (argv, message) => {
    expect(() => parseSoakArgs(argv)).toThrow(SoakUsageError);
    expect(() => parseSoakArgs(argv)).toThrow(message);
  });
});
