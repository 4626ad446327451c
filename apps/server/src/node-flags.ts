/**
 * @module node-flags
 * The V8 options Atlas runs with, in one place. `npm start` (package.json), the Docker image's
 * CMD (and so fly.toml), the benchmarks, the soak and the multi-instance tests all start Atlas
 * with exactly these, and `node-flags.test.ts` fails when one of them drifts.
 *
 * Why a larger initial old generation: Atlas's live heap is small (about 43 MB at 200 voice
 * sessions) but it allocates 30-50 MB/s (SDK requests, WebSocket frames, audio chunks). V8 sizes
 * the old-generation limit from the live heap, leaving about 24 MB of headroom, and starts
 * incremental marking whenever the headroom is no larger than the young generation. Under load
 * that meant a full Mark-Compact every 170-600 ms (56 in 40 s), with four marking threads busy.
 * Starting the old generation at 128 MB leaves the headroom above the young generation: 3 full
 * GCs in the same window, and in paired runs at 200 sessions Atlas's CPU fell from 59-67 % of a
 * core to 41-48 % (README, Benchmarks). It is only where the limit starts; V8 still collects and grows
 * it as usual, so memory stays bounded by --max-old-space-size.
 *
 * Why `--v8-pool-size=0` (one V8 helper thread per core but one, instead of Node's fixed four):
 * V8 runs concurrent marking and parallel scavenges on those threads. On a 2-core machine four of
 * them, busy together, took both cores for a few hundred milliseconds at a time, and every voice
 * turn in flight then waited: at 500 sessions the late final transcripts came in bursts that
 * lined up with Atlas's helper threads at 2.4-3.2 times their average CPU, while no event loop
 * stalled. With one helper: added latency p95 16 and 25 ms against 41 and 66 ms in paired runs
 * (README, Benchmarks). On a bigger machine 0 still leaves a core for the main thread.
 *
 * Node does not accept --initial-old-space-size in NODE_OPTIONS, so it has to be on the command
 * line of every place that starts Atlas.
 */

/** Options for `node` before `apps/server/dist/main.js` (or any entry that runs Atlas). */
export const ATLAS_NODE_FLAGS: readonly string[] = [
  '--initial-old-space-size=128',
  '--v8-pool-size=0',
];

/** Which of `ATLAS_NODE_FLAGS` this process was started without (matched by option name). */
export function missingNodeFlags(execArgv: readonly string[]): string[] {
  const given = new Set(execArgv.map(optionName));
  return ATLAS_NODE_FLAGS.filter((flag) => !given.has(optionName(flag)));
}

/** `--name=value` → `--name`; V8 accepts `_` for `-` in names, so both spellings match. */
function optionName(flag: string): string {
  return (flag.split('=')[0] ?? flag).replaceAll('_', '-');
}
