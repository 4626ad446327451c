/**
 * The built server as a newcomer runs it (`npm start`: `node <ATLAS_NODE_FLAGS> apps/server/dist/main.js`)
 * in a child process. Proves start-up on PGlite, /health, graceful SIGTERM, clear fail-fast
 * start-up errors, and a warning when node was started without Atlas's V8 options.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATLAS_NODE_FLAGS } from './node-flags.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const mainJs = path.join(repoRoot, 'apps/server/dist/main.js');
const dataDirs: string[] = [];
const MISSING_FLAGS_WARNING = "started without Atlas's V8 options";

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function launch(
  env: Record<string, string>,
  nodeFlags: readonly string[] = ATLAS_NODE_FLAGS,
): {
  child: ChildProcess;
  exited: Promise<Exit>;
  output: () => string;
} {
  let stdout = '';
  let stderr = '';
  const child = spawn(process.execPath, [...nodeFlags, mainJs], {
    cwd: repoRoot,
    // A clean environment: nothing from the CI job (DATABASE_URL, keys) leaks into the server.
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, exited, output: () => stdout };
}

function tempDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-main-'));
  dataDirs.push(dir);
  return dir;
}

async function waitForListening(output: () => string, exited: Promise<Exit>): Promise<string> {
  let done = false;
  void exited.then(() => {
    done = true;
  });
  for (;;) {
    const match = /Atlas listening on (http:\/\/[^"\s]+)/.exec(output());
    if (match?.[1]) return match[1];
    if (done) throw new Error(`server exited before listening:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(() => {
  execFileSync(
    process.execPath,
    [
      path.join(repoRoot, 'node_modules/typescript/bin/tsc'),
      '-b',
      'apps/server/tsconfig.build.json',
    ],
    {
      cwd: repoRoot,
      stdio: 'inherit',
    },
  );
}, 120_000);

afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('atlas process', () => {
  it('starts on PGlite with no configuration, serves /health, and exits 0 on SIGTERM', async () => {
    const { child, exited, output } = launch({ PORT: '0', ATLAS_DATA_DIR: tempDataDir() });
    const url = await waitForListening(output, exited);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    // No keys: the offline providers, named in /health, and voice served.
    expect(await health.json()).toMatchObject({
      status: 'ok',
      database: 'pglite',
      cache: 'memory',
      providers: { llm: 'offline', stt: 'pocketsphinx', tts: 'espeak', voice: true, problems: [] },
    });
    const ready = await fetch(`${url}/ready`);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    const page = await fetch(`${url}/`);
    expect(await page.text()).toContain('<title>Atlas</title>');

    child.kill('SIGTERM');
    const exit = await exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('shutdown complete');
    expect(exit.stdout).not.toContain(MISSING_FLAGS_WARNING);
  });

  it("warns, naming the options, when node runs main.js without Atlas's V8 options", async () => {
    // An unreachable database ends the start quickly, after the warning was logged.
    const { exited } = launch(
      { ATLAS_DATA_DIR: tempDataDir(), DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x' },
      [],
    );
    const exit = await exited;
    expect(exit.code).toBe(1);
    const warning = exit.stdout.split('\n').find((line) => line.includes(MISSING_FLAGS_WARNING));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning ?? '{}')).toMatchObject({
      level: 40,
      missing: [...ATLAS_NODE_FLAGS],
    });
  });

  it.each([
    [
      'an unreachable DATABASE_URL',
      { DATABASE_URL: 'postgres://nobody:pw-not-to-print@127.0.0.1:1/x' },
      /DATABASE_URL/,
    ],
    ['a bad PORT', { PORT: 'eighty' }, /PORT: /],
    [
      'production without a JWT secret',
      { NODE_ENV: 'production' },
      /ATLAS_JWT_SECRET: required in production/,
    ],
    [
      'a forced provider that cannot start',
      { LLM_PROVIDER: 'anthropic' },
      /LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY/,
    ],
  ])('fails fast with one clear line and no stack trace for %s', async (_case, env, expected) => {
    const { exited } = launch({ ATLAS_DATA_DIR: tempDataDir(), ...env });
    const exit = await exited;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain('Atlas could not start:');
    expect(exit.stderr).toMatch(expected);
    expect(exit.stderr).not.toMatch(/^\s+at /m);
    expect(exit.stderr + exit.stdout).not.toContain('pw-not-to-print');
  });
});
