/**
 * @module bench/latency-bench
 * `npm run bench [-- --json] [--profile zero|realistic|all] [--sessions N] [--turns N]
 * [--stable-ms N] [--cpu-prof <dir>]`: Atlas's voice latency against the fake providers, per
 * stage and mode, with the provider floor and Atlas's added time. Atlas runs in child processes,
 * the timing clients in this one (see latency-run.ts). The table goes to stdout, or with `--json`
 * the same figures as JSON to stdout and the table to stderr. `--cpu-prof` writes a V8 CPU
 * profile of each Atlas process over each mode's measured turns (file names in latency-run.ts).
 */
import { BenchUsageError, intArg, parseBenchArgs, stringArg } from './bench-args.js';
import { latencyTargets } from './latency-report.js';
import { runLatency } from './latency-run.js';
import { processLine } from './latency-windows.js';
import { describeMachine, machineInfo } from './machine.js';
import { latencyTable, targetsTable } from './report-table.js';

const USAGE =
  'usage: npm run bench -- [--json] [--profile zero|realistic|all] [--sessions N] [--turns N] [--stable-ms N] [--cpu-prof <dir>]';

try {
  const args = parseBenchArgs(process.argv.slice(2), {
    json: { kind: 'flag' },
    profile: { kind: 'string', choices: ['zero', 'realistic', 'all'] },
    sessions: { kind: 'int' },
    turns: { kind: 'int' },
    'stable-ms': { kind: 'int' },
    'cpu-prof': { kind: 'string' },
  });
  const json = args.has('json');
  // The report is this program's output (stdout); with --json the table moves to stderr.
  const print = (text: string) => (json ? process.stderr : process.stdout).write(`${text}\n`);
  const profile = stringArg(args, 'profile', 'all');
  const started = performance.now();
  const before = machineInfo();
  print(`Atlas latency benchmark on ${describeMachine(before)}`);
  const run = await runLatency({
    profiles: profile === 'all' ? ['zero', 'realistic'] : [profile],
    sessions: intArg(args, 'sessions', 4),
    turns: intArg(args, 'turns', 5),
    stablePartialMs: args.has('stable-ms') ? intArg(args, 'stable-ms', 300) : undefined,
    cpuProfileDir: args.has('cpu-prof') ? stringArg(args, 'cpu-prof', '.') : undefined,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const targets = latencyTargets(run.profiles);
  const after = machineInfo();
  for (const report of run.profiles) {
    print(`\n${latencyTable(report)}`);
    print(processLine(run.windows.filter((window) => window.profile === report.profile)));
  }
  print(`\n${targetsTable(targets)}`);
  print(
    `\nfinished in ${Math.round((performance.now() - started) / 1000)} s; load average now ${after.loadAverage.join(' ')}`,
  );
  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          benchmark: 'latency',
          machine: { before, after },
          durationSeconds: Math.round((performance.now() - started) / 1000),
          profiles: run.profiles,
          windows: run.windows,
          targets,
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
