import { describe, expect, it } from 'vitest';
import {
  BenchUsageError,
  intArg,
  intsArg,
  nodeFlagsArg,
  parseBenchArgs,
  stringArg,
} from './bench-args.js';

const SPEC = {
  json: { kind: 'flag' },
  turns: { kind: 'int' },
  steps: { kind: 'ints' },
  profile: { kind: 'string', choices: ['zero', 'realistic'] },
} as const;

describe('parseBenchArgs', () => {
  it('reads flags, integers, lists and choices in both spellings', () => {
    const args = parseBenchArgs(
      ['--json', '--turns', '7', '--steps=50,100', '--profile=zero'],
      SPEC,
    );
    expect(args.get('json')).toBe(true);
    expect(intArg(args, 'turns', 1)).toBe(7);
    expect(intsArg(args, 'steps', [])).toEqual([50, 100]);
    expect(stringArg(args, 'profile', 'realistic')).toBe('zero');
    expect(intArg(parseBenchArgs([], SPEC), 'turns', 5)).toBe(5);
  });

  it.each([
    [['--nope'], /unknown option/],
    [['turns'], /unknown option/],
    [['--turns'], /needs a value/],
    [['--turns', '0'], /positive integer/],
    [['--turns', '2.5'], /positive integer/],
    [['--steps', '100,50'], /ascending/],
    [['--steps', '50,,100'], /positive integers/],
    [['--profile', 'fast'], /one of zero, realistic/],
    [['--json=yes'], /takes no value/],
  ])('refuses %j clearly', (argv, message) => {
    expect(() => parseBenchArgs(argv, SPEC)).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(argv, SPEC)).toThrow(message);
  });
});

describe('nodeFlagsArg', () => {
  const spec = { flags: { kind: 'string' } } as const;

  it('splits Node options on spaces, and gives none when the option is absent', () => {
    const args = parseBenchArgs(
      ['--flags', ' --initial-old-space-size=256  --max-semi-space-size=8 '],
      spec,
    );
    expect(nodeFlagsArg(args, 'flags')).toEqual([
      '--initial-old-space-size=256',
      '--max-semi-space-size=8',
    ]);
    expect(nodeFlagsArg(parseBenchArgs([], spec), 'flags')).toEqual([]);
  });

  it.each(['script.js', '--eval=process.exit(1)', '--x;rm', '-e'])(
    'refuses %j, which is not a plain option',
    (flag) => {
      const args = parseBenchArgs(['--flags', `--trace-gc ${flag}`], spec);
      expect(() => nodeFlagsArg(args, 'flags')).toThrow(BenchUsageError);
      expect(() => nodeFlagsArg(args, 'flags')).toThrow(flag);
    },
  );
});
