/**
 * @module bench/bench-fakes
 * Starts the fake providers in a child process (see fakes-process.ts) so their work does not
 * count against Atlas's event loop or CPU.
 */
import { fileURLToPath } from 'node:url';
import { ATLAS_NODE_FLAGS } from '../node-flags.js';
import { type RunningChild, startChild } from './child-process.js';

export type ProviderEnv = Record<string, string>;

const FAKES_MODULE = fileURLToPath(new URL('./fakes-process.js', import.meta.url));

export function startBenchFakes(
  profile: string,
  corpusDir: string,
  maxOldSpaceMb = 1_024,
  extraArgs: readonly string[] = [],
): Promise<RunningChild<ProviderEnv>> {
  return startChild<ProviderEnv>(
    FAKES_MODULE,
    ['--profile', profile, '--corpus', corpusDir, ...extraArgs],
    // Atlas's V8 sizing (node-flags.ts): the fakes too keep a small live heap and allocate fast,
    // and back-to-back full GCs would take CPU from the cores they share with Atlas.
    { maxOldSpaceMb, execArgv: ATLAS_NODE_FLAGS },
  );
}
