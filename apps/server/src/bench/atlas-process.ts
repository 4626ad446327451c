/**
 * @module bench/atlas-process
 * Child process: Atlas alone (the fakes and the benchmark's clients run elsewhere), so its event
 * loop, CPU and memory are what the benchmarks measure, and the clients' work (parsing, receiving
 * every reply's audio, their timers) does not delay Atlas's, nor Atlas's theirs. The capacity
 * benchmark runs one; the latency benchmark one per voice-settings variant (each with its own
 * PGlite). Makes Studio users on request.
 *
 * Args: `--env <JSON of provider variables>`, optionally `--voice-settings <JSON>` (a partial
 * `VoiceSettings`, e.g. `{"speculation":false}`), `--cpu-prof <dir>` (a CPU profile per
 * measurement window) and `--name <name>` (the profiles' file names, `<name>-<n>.cpuprofile`;
 * default `atlas`, so two Atlas children writing into one directory need different names). Ready payload: {@link AtlasReady}. Messages: `{type:'users', count}` →
 * `{type:'users', tokens}`; `{type:'sample', reset?, gc?}` → `{type:'sample', sample}`.
 */
import type { VoiceSettings } from '../voice/voice-settings.js';
import { type BenchUser, startBenchAtlas } from './bench-atlas.js';
import { childArgs, childReady, untilStopped } from './child-process.js';
import { answerSamples, ProcessSampler } from './process-sampler.js';
import { WindowProfiler } from './window-profiler.js';

/** What the child reports once it listens. */
export interface AtlasReady {
  /** `ws://…/v2/voice` */
  readonly voiceUrl: string;
  /** `http://host:port`, the base of the V1 routes. */
  readonly httpUrl: string;
}

const args = childArgs(process.argv.slice(2));
const env = JSON.parse(args.get('env') ?? '{}') as Record<string, string>;
const voiceSettingsArg = args.get('voice-settings');
const voiceSettings = voiceSettingsArg
  ? (JSON.parse(voiceSettingsArg) as Partial<VoiceSettings>)
  : undefined;
const atlas = await startBenchAtlas({ env, ...(voiceSettings ? { voiceSettings } : {}) });
const sampler = new ProcessSampler();
const profileDir = args.get('cpu-prof');
const profileName = args.get('name') ?? 'atlas';
answerSamples(sampler, profileDir ? new WindowProfiler(profileDir, profileName) : undefined);
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
const ready: AtlasReady = { voiceUrl: atlas.voiceUrl, httpUrl: atlas.server.url };
childReady(ready);
await untilStopped();
sampler.stop();
await atlas.close();
process.exit(0);
