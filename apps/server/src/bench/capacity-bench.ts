/**
 * @module bench/capacity-bench
 * `npm run bench:capacity [-- --json] [--steps 50,100,…] [--hold <s>] [--atlas-node-flags …]`:
 * how many concurrent real-time voice sessions Atlas keeps healthy on the `zero` profile, its CPU
 * and memory per session, and the same load on a bare `ws` echo server as the ratio Atlas/bare.
 * The table goes to stdout, or with `--json` the figures as JSON to stdout and the table to
 * stderr.
 */
import { ATLAS_NODE_FLAGS } from '../node-flags.js';
import {
  BenchUsageError,
  intArg,
  intsArg,
  nodeFlagsArg,
  parseBenchArgs,
  stringArg,
} from './bench-args.js';
import { HEALTH_LIMITS } from './capacity-report.js';
import { runCapacity } from './capacity-run.js';
import { capacitySummary, capacityTable } from './capacity-table.js';
import { describeMachine, machineInfo } from './machine.js';

const USAGE =
  'usage: npm run bench:capacity -- [--json] [--steps 50,100,200,…] [--hold <seconds>] [--cpu-prof <dir>] [--database-url <postgres://…>] [--atlas-node-flags "<node options>"]';
// Every step costs about 27 s (ramp, a whole turn cycle to settle, the hold): nine would pass
// the 5 minutes the benchmark must fit in once the machine reaches 1000.
const DEFAULT_STEPS = [100, 200, 300, 400, 500, 600, 800, 1000];

try {
  const args = parseBenchArgs(process.argv.slice(2), {
    json: { kind: 'flag' },
    steps: { kind: 'ints' },
    hold: { kind: 'int' },
    'cpu-prof': { kind: 'string' },
    'database-url': { kind: 'string' },
    'atlas-node-flags': { kind: 'string' },
  });
  const json = args.has('json');
  // The report is this program's output (stdout); with --json the table moves to stderr.
  const print = (text: string) => (json ? process.stderr : process.stdout).write(`${text}\n`);
  // Atlas's own V8 options first, so an option given here overrides one of them (V8 keeps the last).
  const atlasNodeFlags = [...ATLAS_NODE_FLAGS, ...nodeFlagsArg(args, 'atlas-node-flags')];
  const started = performance.now();
  const before = machineInfo();
  print(`Atlas capacity benchmark (zero profile) on ${describeMachine(before)}`);
  // Figures taken with other runtime settings are not comparable: say which these are.
  print(`Atlas runs with node ${atlasNodeFlags.join(' ')}`);
  print(
    `healthy = added latency p95 <= ${HEALTH_LIMITS.addedLatencyP95Ms} ms, event-loop delay p99 <= ${HEALTH_LIMITS.eventLoopDelayP99Ms} ms, failures <= ${HEALTH_LIMITS.failureRate * 100} %`,
  );
  const run = await runCapacity({
    steps: intsArg(args, 'steps', DEFAULT_STEPS),
    holdMs: intArg(args, 'hold', 12) * 1000,
    cpuProfileDir: args.has('cpu-prof') ? stringArg(args, 'cpu-prof', '.') : undefined,
    databaseUrl: args.has('database-url') ? stringArg(args, 'database-url', '') : undefined,
    atlasNodeFlags,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const after = machineInfo();
  print(`\n${capacityTable(run.steps)}`);
  print(`\n${capacitySummary(run)}`);
  print(
    `\nfinished in ${Math.round((performance.now() - started) / 1000)} s; load average now ${after.loadAverage.join(' ')}`,
  );
  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          benchmark: 'capacity',
          profile: 'zero',
          machine: { before, after },
          durationSeconds: Math.round((performance.now() - started) / 1000),
          healthLimits: HEALTH_LIMITS,
          atlasNodeFlags,
          ...run,
          highestHealthySessions: run.best?.sessions ?? 0,
        },
        null,
        2,
      ),
    );
    process.stdout.write('\n');
  }
  process.exit(0);
} catch (error) {
  if (error instanceof BenchUsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
}
