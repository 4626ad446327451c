/**
 * @module bench/atlas-process
 * Child process: Atlas alone (the fakes and the load generator run elsewhere), so its event
 * loop, CPU and memory are what the capacity benchmark measures. Makes Studio users on request.
 *
 * Args: `--env <JSON of provider variables>`, optionally `--cpu-prof <dir>` (a CPU profile per
 * measurement window). Messages: `{type:'users', count}` →
 * `{type:'users', tokens}`; `{type:'sample', reset?, gc?}` → `{type:'sample', sample}`.
 */
import { type BenchUser, startBenchAtlas } from './bench-atlas.js';
import { childArgs, childReady, untilStopped } from './child-process.js';
import { answerSamples, ProcessSampler } from './process-sampler.js';
import { WindowProfiler } from './window-profiler.js';

const args = childArgs(process.argv.slice(2));
const env = JSON.parse(args.get('env') ?? '{}') as Record<string, string>;
const atlas = await startBenchAtlas({ env });
const sampler = new ProcessSampler();
const profileDir = args.get('cpu-prof');
answerSamples(sampler, profileDir ? new WindowProfiler(profileDir, 'atlas') : undefined);
process.on('message', (message: unknown) => {
  const request = message as { type?: unknown; count?: unknown };
  if (request.type !== 'users' || typeof request.count !== 'number') return;
  const count = request.count;
  void (async () => {
    const users: BenchUser[] = [];
    for (let i = 0; i < count; i++) {
      users.push(await atlas.newUser());
      // PGlite runs on this thread: let live sessions have the loop between users.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    process.send?.({ type: 'users', tokens: users.map((user) => user.token) });
  })();
});
childReady({ voiceUrl: atlas.voiceUrl });
await untilStopped();
sampler.stop();
await atlas.close();
process.exit(0);
