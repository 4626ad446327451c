/**
 * @module bench/latency-atlas
 * One Atlas server of the latency benchmark, in its own child process (atlas-process.ts) with its
 * own PGlite, so the clients timing the turns (in the bench process) and Atlas do not share an
 * event loop. Users come from the child (`{type:'users'}`); a window of Atlas's event-loop delay
 * and CPU can be sampled around the measured turns (and CPU-profiled with `--cpu-prof`).
 */
import { fileURLToPath } from 'node:url';
import { ATLAS_NODE_FLAGS } from '../node-flags.js';
import type { VoiceSettings } from '../voice/voice-settings.js';
import type { AtlasReady } from './atlas-process.js';
import { type RunningChild, startChild } from './child-process.js';
import type { ProcessSample } from './process-sampler.js';

const ATLAS_MODULE = fileURLToPath(new URL('./atlas-process.js', import.meta.url));

export interface LatencyAtlasOptions {
  /** Provider variables (the fakes' keys and base URLs). */
  readonly env: Record<string, string>;
  readonly voiceSettings: Partial<VoiceSettings>;
  /** Write a V8 CPU profile of each sampled window into this directory. */
  readonly cpuProfileDir?: string | undefined;
  /** The profiles' file names: `<name>-<n>.cpuprofile`, n counting this child's windows. */
  readonly name: string;
}

export class LatencyAtlas {
  readonly #child: RunningChild<AtlasReady>;

  private constructor(child: RunningChild<AtlasReady>) {
    this.#child = child;
  }

  static async start(options: LatencyAtlasOptions): Promise<LatencyAtlas> {
    const child = await startChild<AtlasReady>(
      ATLAS_MODULE,
      [
        '--env',
        JSON.stringify(options.env),
        '--voice-settings',
        JSON.stringify(options.voiceSettings),
        ...(options.cpuProfileDir ? ['--cpu-prof', options.cpuProfileDir] : []),
        '--name',
        options.name,
      ],
      { maxOldSpaceMb: 1_024, execArgv: ATLAS_NODE_FLAGS },
    );
    return new LatencyAtlas(child);
  }

  /** `ws://…/v2/voice` */
  get voiceUrl(): string {
    return this.#child.ready.voiceUrl;
  }

  /** `http://host:port`, for the V1 routes. */
  get httpUrl(): string {
    return this.#child.ready.httpUrl;
  }

  /** Access tokens of `count` new Studio users. */
  async tokens(count: number): Promise<string[]> {
    const reply = await this.#child.request<{ tokens: string[] }>(
      { type: 'users', count },
      'users',
    );
    return reply.tokens;
  }

  /** Starts a measurement window (and a CPU profile, with `cpuProfileDir`). */
  async startWindow(): Promise<void> {
    await this.#child.request({ type: 'sample', reset: true }, 'sample');
  }

  /** The window since {@link startWindow}: Atlas's event-loop delay and CPU. */
  async endWindow(): Promise<ProcessSample> {
    const reply = await this.#child.request<{ sample: ProcessSample }>(
      { type: 'sample' },
      'sample',
    );
    return reply.sample;
  }

  stop(): Promise<void> {
    return this.#child.stop();
  }
}
