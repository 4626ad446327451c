/**
 * @module bench/bench-args
 * Command-line options of the benchmarks. Unknown options and bad values are refused with a
 * message naming them, before anything starts.
 */

export interface OptionSpec {
  /**
   * `flag`: present or not; `int`: a positive integer; `ints`: comma-separated positive
   * integers, ascending; `string`: one of `choices` if given.
   */
  readonly kind: 'flag' | 'int' | 'ints' | 'string';
  readonly choices?: readonly string[];
}

export type ParsedArgs = Map<string, string | number | readonly number[] | true>;

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

/** Parses `--name value`, `--name=value` and `--flag` against `spec`. */
export function parseBenchArgs(
  argv: readonly string[],
  spec: Readonly<Record<string, OptionSpec>>,
): ParsedArgs {
  const parsed: ParsedArgs = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z][a-z-]*)(?:=(.*))?$/.exec(arg);
    const name = match?.[1];
    const option = name === undefined ? undefined : spec[name];
    if (!match || name === undefined || !option)
      throw new BenchUsageError(`unknown option: ${arg}`);
    if (option.kind === 'flag') {
      if (match[2] !== undefined) throw new BenchUsageError(`--${name} takes no value`);
      parsed.set(name, true);
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new BenchUsageError(`--${name} needs a value`);
    if (option.kind === 'int') {
      if (!/^[1-9]\d{0,6}$/.test(value)) {
        throw new BenchUsageError(`--${name} must be a positive integer, got "${value}"`);
      }
      parsed.set(name, Number(value));
    } else if (option.kind === 'ints') {
      const numbers = value.split(',').map((part) => part.trim());
      if (!numbers.every((part) => /^[1-9]\d{0,6}$/.test(part))) {
        throw new BenchUsageError(
          `--${name} must be positive integers separated by commas, got "${value}"`,
        );
      }
      const list = numbers.map(Number);
      if (list.some((n, i) => i > 0 && n <= (list[i - 1] ?? 0))) {
        throw new BenchUsageError(`--${name} must be in ascending order, got "${value}"`);
      }
      parsed.set(name, list);
    } else {
      if (option.choices && !option.choices.includes(value)) {
        throw new BenchUsageError(
          `--${name} must be one of ${option.choices.join(', ')}, got "${value}"`,
        );
      }
      parsed.set(name, value);
    }
  }
  return parsed;
}

export function intArg(args: ParsedArgs, name: string, fallback: number): number {
  const value = args.get(name);
  return typeof value === 'number' ? value : fallback;
}

export function stringArg(args: ParsedArgs, name: string, fallback: string): string {
  const value = args.get(name);
  return typeof value === 'string' ? value : fallback;
}

export function intsArg(
  args: ParsedArgs,
  name: string,
  fallback: readonly number[],
): readonly number[] {
  const value = args.get(name);
  return Array.isArray(value) ? value : fallback;
}

/** One V8/Node option: `--name` or `--name=value` (no spaces, no shell syntax). */
const NODE_FLAG = /^--[a-z][a-z0-9_-]*(?:=[A-Za-z0-9_.,:/-]+)?$/;

/**
 * Space-separated Node/V8 options for a measured child (e.g. `--initial-old-space-size=256`),
 * so a runtime setting can be measured the way the product would run with it. Refuses anything
 * that is not an option, rather than handing a stray word to `node` as a script to run.
 */
export function nodeFlagsArg(args: ParsedArgs, name: string): readonly string[] {
  const value = args.get(name);
  if (typeof value !== 'string') return [];
  const flags = value.split(/\s+/).filter((flag) => flag.length > 0);
  const bad = flags.find((flag) => !NODE_FLAG.test(flag));
  if (bad !== undefined) {
    throw new BenchUsageError(`--${name} takes Node options like --name=value, got "${bad}"`);
  }
  return flags;
}
