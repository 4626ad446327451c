/**
 * @module soak/soak-args
 * `npm run soak -- [--minutes 10] [--concurrency 20] [--sample-seconds 10] [--json]`.
 */

export interface SoakOptions {
  minutes: number;
  concurrency: number;
  sampleSeconds: number;
  json: boolean;
}

export const SOAK_USAGE = `usage: npm run soak -- [--minutes <n>] [--concurrency <n>] [--sample-seconds <n>] [--json]

Churns voice sessions against one Atlas process (zero-latency fake providers) and samples its
memory, handles and event-loop delay. Defaults: --minutes 10 --concurrency 20 --sample-seconds 10.
Uses DATABASE_URL / REDIS_URL when set, else an embedded database in a temporary directory.`;

export class SoakUsageError extends Error {
  override readonly name = 'SoakUsageError';
}

const DEFAULTS: SoakOptions = { minutes: 10, concurrency: 20, sampleSeconds: 10, json: false };

function positive(flag: string, value: string | undefined, max: number): number {
  const parsed = Number(value);
  if (value === undefined || !Number.isFinite(parsed) || parsed <= 0 || parsed > max) {
    throw new SoakUsageError(
      `${flag} needs a number above 0 and at most ${max}, got ${value ?? 'nothing'}`,
    );
  }
  return parsed;
}

export function parseSoakArgs(argv: readonly string[]): SoakOptions {
  const options = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--minutes':
        options.minutes = positive(flag, argv[++i], 24 * 60);
        break;
      case '--concurrency':
        options.concurrency = Math.round(positive(flag, argv[++i], 1_000));
        break;
      case '--sample-seconds':
        options.sampleSeconds = positive(flag, argv[++i], 3_600);
        break;
      case '--json':
        options.json = true;
        break;
      default:
        throw new SoakUsageError(`unexpected argument: ${flag}`);
    }
  }
  return options;
}
