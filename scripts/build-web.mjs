#!/usr/bin/env node
/**
 * Builds the web app (Vite) unless `apps/web/dist` is newer than every source it is built from,
 * so `npm start` and the browser tests build what is missing and nothing more.
 * `--force` always builds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const web = path.join(root, 'apps/web');
const stamp = path.join(web, 'dist/index.html');
const sources = [
  path.join(web, 'src'),
  path.join(web, 'public'),
  path.join(web, 'index.html'),
  path.join(web, 'vite.config.ts'),
  path.join(root, 'packages/protocol/src'),
];

function newestMtime(entry) {
  if (!existsSync(entry)) return 0;
  const stats = statSync(entry);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const name of readdirSync(entry)) {
    newest = Math.max(newest, newestMtime(path.join(entry, name)));
  }
  return newest;
}

const force = process.argv.includes('--force');
const upToDate =
  !force && existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...sources.map(newestMtime));
if (!upToDate) {
  // Built into a fresh directory and swapped in with renames, so a server (or a test) reading
  // `dist` never sees it half-written, and two builds at once cannot empty each other's output.
  const staging = path.join(web, `.dist-${process.pid}`);
  const retired = path.join(web, `.dist-old-${process.pid}`);
  const vite = path.join(root, 'node_modules/vite/bin/vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--logLevel', 'warn', '--outDir', staging, web],
    {
      stdio: 'inherit',
      cwd: root,
      // Production React whatever the caller's NODE_ENV (tests run with NODE_ENV=test).
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    process.exit(result.status ?? 1);
  }
  const dist = path.join(web, 'dist');
  if (existsSync(dist)) renameSync(dist, retired);
  renameSync(staging, dist);
  rmSync(retired, { recursive: true, force: true });
}
