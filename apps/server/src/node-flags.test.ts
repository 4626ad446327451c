/**
 * ATLAS_NODE_FLAGS is the one list; the places that start Atlas in production cannot import it
 * (a package.json script, a Dockerfile), so these tests read them and fail when they drift.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ATLAS_NODE_FLAGS, missingNodeFlags } from './node-flags.js';

const repoFile = (file: string) =>
  readFileSync(fileURLToPath(new URL(`../../../${file}`, import.meta.url)), 'utf8');

describe('ATLAS_NODE_FLAGS', () => {
  it('sets the initial old generation, which NODE_OPTIONS cannot carry', () => {
    expect(ATLAS_NODE_FLAGS).toContain('--initial-old-space-size=128');
  });

  it("gives V8 one helper thread per core but one, not Node's fixed four", () => {
    expect(ATLAS_NODE_FLAGS).toContain('--v8-pool-size=0');
  });

  it('is what npm start runs main.js with', () => {
    const scripts = (JSON.parse(repoFile('package.json')) as { scripts: Record<string, string> })
      .scripts;
    expect(scripts.start).toBe(
      `npm run -s build && node ${ATLAS_NODE_FLAGS.join(' ')} apps/server/dist/main.js`,
    );
  });

  it("is what the Docker image's CMD runs main.js with, and fly.toml does not override it", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(repoFile('Dockerfile'))?.[1];
    expect(cmd).toBeDefined();
    expect(JSON.parse(cmd ?? '[]')).toEqual([
      'node',
      ...ATLAS_NODE_FLAGS,
      'apps/server/dist/main.js',
    ]);
    // Fly runs the image's CMD unless a [processes] command or [experimental] cmd replaces it.
    const flyToml = repoFile('fly.toml');
    expect(flyToml).not.toMatch(/^\[processes\]/m);
    expect(flyToml).not.toMatch(/^\s*cmd\s*=/m);
  });
});

describe('missingNodeFlags', () => {
  it('names every Atlas option a process was started without', () => {
    expect(missingNodeFlags([])).toEqual([...ATLAS_NODE_FLAGS]);
    expect(missingNodeFlags(['--expose-gc'])).toEqual([...ATLAS_NODE_FLAGS]);
  });

  it('is satisfied by the options themselves, by another value, and by V8 underscore spelling', () => {
    expect(missingNodeFlags([...ATLAS_NODE_FLAGS])).toEqual([]);
    expect(missingNodeFlags(['--initial-old-space-size=256', '--v8-pool-size=2'])).toEqual([]);
    expect(missingNodeFlags(['--initial_old_space_size=128', '--v8_pool_size=0'])).toEqual([]);
    expect(missingNodeFlags(['--initial-old-space-size=128'])).toEqual(['--v8-pool-size=0']);
  });
});
