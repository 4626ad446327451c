import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referencedAssets, snapshotFile, snapshotWebApp } from './app-snapshot.js';

const INDEX = `<!doctype html><html><head>
<script type="module" crossorigin src="/assets/index-abc.js"></script>
<link rel="stylesheet" crossorigin href="/assets/index-def.css">
<link rel="icon" href="/favicon.svg"></head><body><div id="root"></div></body></html>`;

describe('app snapshot', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'app-snapshot-test-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function fakeBuild(name: string, files: Record<string, string>): Promise<string> {
    const dist = path.join(dir, name);
    for (const [file, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dist, file)), { recursive: true });
      await writeFile(path.join(dist, file), content);
    }
    return dist;
  }

  it('finds the bundles index.html loads', () => {
    expect(referencedAssets(INDEX)).toEqual(['assets/index-abc.js', 'assets/index-def.css']);
  });

  it('copies a whole build', async () => {
    const dist = await fakeBuild('whole', {
      'index.html': INDEX,
      'assets/index-abc.js': 'js',
      'assets/index-def.css': 'css',
    });
    await snapshotWebApp(dist, path.join(dir, 'whole-copy'));
    expect(await readFile(path.join(dir, 'whole-copy/assets/index-abc.js'), 'utf8')).toBe('js');
  });

  it('refuses a build that lacks what index.html loads (a rebuild was under way)', async () => {
    const dist = await fakeBuild('partial', { 'index.html': INDEX, 'assets/index-abc.js': 'js' });
    await expect(snapshotWebApp(dist, path.join(dir, 'partial-copy'))).rejects.toThrow(
      /lacks assets\/index-def\.css/,
    );
    const empty = await fakeBuild('empty', { 'assets/.keep': '' });
    await expect(snapshotWebApp(empty, path.join(dir, 'empty-copy'))).rejects.toThrow(
      /no index\.html/,
    );
  });

  it('maps URL paths into the snapshot and never out of it', () => {
    const root = path.join(dir, 'snap');
    expect(snapshotFile(root, '/assets/index-abc.js')).toBe(path.join(root, 'assets/index-abc.js'));
    expect(snapshotFile(root, '/../../etc/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(snapshotFile(root, '/%2e%2e/%2e%2e/etc/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(snapshotFile(root, '/')).toBeUndefined();
    expect(snapshotFile(root, '/%E0%A4%A')).toBeUndefined();
  });
});
