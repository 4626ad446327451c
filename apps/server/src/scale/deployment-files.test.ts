/**
 * The Dockerfile and fly.toml cannot be run here (no Docker, no Fly), so they are checked
 * statically against the repository: everything the image copies is something the build
 * produces or git tracks, the paths the server reads at run time are in the runtime image, and
 * the image and fly.toml agree with the server on port, signals, health routes and timing.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './testing/atlas-instance.js';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const dockerfile = read('Dockerfile');
const dockerignore = read('.dockerignore')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const flyToml = read('fly.toml');
const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;

/** `COPY` lines of one stage (between its FROM and the next), as [source, destination]. */
function copies(stage: string): Array<{ from: string | undefined; source: string; dest: string }> {
  const body = dockerfile.split(/^FROM /m).find((s) => new RegExp(` AS ${stage}\\s`).test(s));
  if (body === undefined) throw new Error(`no stage ${stage}`);
  return [...body.matchAll(/^COPY (?:--from=(\S+) )?(?:--chown=\S+ )?(.+)$/gm)].flatMap((m) => {
    const parts = (m[2] ?? '').trim().split(/\s+/);
    const dest = parts.pop() ?? '';
    return parts.map((source) => ({ from: m[1], source, dest }));
  });
}

/** What `npm run build` writes: each TypeScript project's outDir, and Vite's for the web app. */
function builtByBuild(dir: string): boolean {
  const serverBuild = JSON.parse(read('apps/server/tsconfig.build.json')) as {
    compilerOptions: { outDir: string };
    references: Array<{ path: string }>;
  };
  const projects = [
    'apps/server',
    ...serverBuild.references.map((r) =>
      path.posix.join('apps/server', path.posix.dirname(r.path)),
    ),
  ].map((p) => path.posix.normalize(p));
  for (const project of projects) {
    const config = JSON.parse(read(`${project}/tsconfig.build.json`)) as {
      compilerOptions: { outDir: string };
    };
    if (dir === path.posix.join(project, config.compilerOptions.outDir)) return true;
  }
  return dir === 'apps/web/dist' && /outDir: 'dist'/.test(read('apps/web/vite.config.ts'));
}

describe('Dockerfile', () => {
  it('copies every workspace manifest before npm ci, in the build and the deps stage', () => {
    for (const stage of ['build', 'deps']) {
      const sources = copies(stage).map((c) => c.source);
      for (const workspace of workspaces) expect(sources).toContain(`${workspace}/package.json`);
      expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    }
  });

  it('copies into the runtime only what the build produces or git tracks', () => {
    const fromBuild = copies('runtime').filter((c) => c.from === 'build');
    expect(fromBuild.length).toBeGreaterThan(0);
    for (const { source } of fromBuild) {
      const relative = path.posix.relative('/app', source);
      expect(builtByBuild(relative) || existsSync(path.join(REPO_ROOT, relative)), relative).toBe(
        true,
      );
    }
  });

  it('puts in the runtime image what the server reads relative to its dist at run time', () => {
    const dests = copies('runtime').map((c) => path.posix.normalize(c.dest).replace(/\/$/, ''));
    // app.ts: ../../web/dist; migrator.ts: the repository root's supabase/; version.ts: ../package.json.
    for (const needed of ['apps/web/dist', 'supabase', 'apps/server/dist', 'node_modules']) {
      expect(dests).toContain(needed);
    }
    expect(dests).toContain('apps/server');
    expect(read('apps/server/src/app.ts')).toContain("'../../web/dist'");
  });

  it('keeps out of the build context nothing the build needs', () => {
    const needed = [
      'apps/server/src',
      'packages/protocol/src',
      'apps/web/src',
      'scripts',
      'supabase',
    ];
    for (const entry of dockerignore) {
      const pattern = entry.replace(/^\*\*\//, '');
      for (const dir of needed) expect(dir.split('/'), entry).not.toContain(pattern);
    }
    expect(dockerignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  });

  it('runs the built server as node, in production, with a health check and SIGTERM', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/NODE_ENV=production/);
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/health/m);
    // node itself (not npm, which does not pass SIGTERM on), then main.js; which V8 options sit
    // between them is node-flags.test.ts's to check.
    expect(dockerfile).toMatch(/^CMD \["node", (?:"--[^"]+", )*"apps\/server\/dist\/main\.js"\]$/m);
    expect(dockerfile).toMatch(/espeak-ng libpocketsphinx3 pocketsphinx-en-us/);
    expect(existsSync(path.join(REPO_ROOT, 'apps/server/src/main.ts'))).toBe(true);
  });
});

describe('fly.toml', () => {
  const number = (key: string) =>
    Number(new RegExp(`^\\s*${key} = (\\d+)`, 'm').exec(flyToml)?.[1]);

  it('serves the port the image listens on, over HTTPS, counted in connections', () => {
    const port = /PORT=(\d+)/.exec(dockerfile)?.[1];
    expect(number('internal_port')).toBe(Number(port));
    expect(flyToml).toMatch(/^\s*force_https = true$/m);
    expect(flyToml).toMatch(/type = "connections"/);
  });

  it('checks /health and /ready', () => {
    const paths = [...flyToml.matchAll(/^\s*path = "([^"]+)"/gm)].map((m) => m[1]);
    expect(paths).toEqual(['/health', '/ready']);
  });

  it('stops with SIGTERM and waits longer than the server’s own shutdown deadline', () => {
    expect(flyToml).toMatch(/^kill_signal = "SIGTERM"$/m);
    const grace = /SHUTDOWN_GRACE_MS = ([\d_]+)/.exec(read('apps/server/src/main.ts'))?.[1];
    expect(grace).toBeDefined();
    expect(number('kill_timeout') * 1000).toBeGreaterThan(Number(grace?.replaceAll('_', '')));
  });
});
