import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WindowProfiler } from './window-profiler.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function spin(ms: number): number {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  return x;
}

describe('WindowProfiler', () => {
  it('writes one V8 CPU profile per window, numbered', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-window-profiler-'));
    dirs.push(dir);
    const profiler = new WindowProfiler(dir, 'atlas');
    await profiler.start();
    spin(20);
    const first = await profiler.stop();
    await profiler.start();
    const second = await profiler.stop();
    expect(first).toBe(path.join(dir, 'atlas-1.cpuprofile'));
    expect(second).toBe(path.join(dir, 'atlas-2.cpuprofile'));
    const profile = JSON.parse(readFileSync(first as string, 'utf8')) as {
      nodes: unknown[];
      samples: unknown[];
    };
    expect(profile.nodes.length).toBeGreaterThan(0);
    expect(profile.samples.length).toBeGreaterThan(0);
  });

  it('makes the profile directory when it does not exist yet', async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'atlas-window-profiler-'));
    dirs.push(parent);
    const profiler = new WindowProfiler(path.join(parent, 'new', 'profiles'), 'fakes');
    await profiler.start();
    const file = await profiler.stop();
    expect(file).toBe(path.join(parent, 'new', 'profiles', 'fakes-1.cpuprofile'));
    expect(JSON.parse(readFileSync(file as string, 'utf8'))).toHaveProperty('nodes');
  });

  it('stop without a window writes nothing; a second start discards the open window', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-window-profiler-'));
    dirs.push(dir);
    const profiler = new WindowProfiler(dir, 'fakes');
    expect(await profiler.stop()).toBeUndefined();
    await profiler.start();
    await profiler.start();
    expect(await profiler.stop()).toBe(path.join(dir, 'fakes-1.cpuprofile'));
  });
});
