/**
 * @module e2e/support/browser-suite
 * The hooks every browser test file shares: one Atlas stack and one Chromium per file (started
 * in `beforeAll`, closed in `afterAll`), the web app built first when its sources changed and
 * served from a snapshot in front of Atlas, and pages opened by a test closed after it; when
 * the test failed, with a screenshot of each and the pages' errors and Atlas's log printed.
 *
 * @example
 * const suite = registerBrowserSuite({ heardSentence: 'what is the weather today', reply: 'Sunny.' });
 * it('signs up', async () => {
 *   const page = await suite.openPage();
 *   await page.goto(`${suite.appUrl}/signin`);
 * });
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type AppFront, startAppFront } from './app-front.js';
import { atlasSecurityHeaders, snapshotWebApp } from './app-snapshot.js';
import { type AtlasStack, type AtlasStackOptions, startAtlasStack } from './atlas-stack.js';
import { launchChromium, saveScreenshot } from './browser.js';
import { withDirectoryLock } from './directory-lock.js';
import { writeFakeMicWav } from './fake-mic.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Builds `apps/web/dist` unless it is newer than its sources (the script is a no-op then) and
 * copies it to `snapshotDir`. Test files run in parallel workers: a lock keeps two of them
 * from building into the same folder at once. A copy spoiled by someone else's rebuild (an
 * `npm start` elsewhere on the machine) is retried.
 */
export async function buildWebAppSnapshot(snapshotDir: string): Promise<void> {
  await withDirectoryLock(path.join(os.tmpdir(), 'atlas-e2e-web-build.lock'), async () => {
    for (let attempt = 1; ; attempt++) {
      await run(process.execPath, [path.join(repoRoot, 'scripts/build-web.mjs')], {
        cwd: repoRoot,
      });
      try {
        return await snapshotWebApp(path.join(repoRoot, 'apps/web/dist'), snapshotDir);
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  });
}

export interface BrowserSuite {
  readonly atlas: AtlasStack;
  /** What pages open: the app from this file's build snapshot, in front of Atlas. */
  readonly appUrl: string;
  readonly browser: Browser;
  /** A browser context (own cookies and storage) closed when the file's tests are done. */
  newContext(): Promise<BrowserContext>;
  /** A page in `context` (default: a fresh context), closed after the current test. */
  openPage(context?: BrowserContext): Promise<Page>;
}

export function registerBrowserSuite(options: AtlasStackOptions): BrowserSuite {
  let atlas: AtlasStack | undefined;
  let browser: Browser | undefined;
  /** Scratch space of this file: the fake microphone's WAV and the app snapshot. */
  let workDir: string | undefined;
  let front: AppFront | undefined;
  const contexts: BrowserContext[] = [];
  let testPages: Page[] = [];
  /** What the pages of the current test logged as errors, shown when it fails. */
  let pageErrors: string[] = [];

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'atlas-e2e-'));
    workDir = dir;
    // Independent steps run side by side: the build, Atlas, and the WAV then Chromium. Atlas
    // picks its static folder when it starts, so on a fresh clone it waits for the first build.
    const firstBuild = !existsSync(path.join(repoRoot, 'apps/web/dist/index.html'));
    const building = buildWebAppSnapshot(path.join(dir, 'web'));
    const [built, stack, chromium] = await Promise.allSettled([
      building,
      firstBuild ? building.then(() => startAtlasStack(options)) : startAtlasStack(options),
      writeFakeMicWav(dir, { sentence: options.heardSentence }).then(launchChromium),
    ]);
    // Keep whichever started, so afterAll closes it even when another step failed.
    if (stack.status === 'fulfilled') atlas = stack.value;
    if (chromium.status === 'fulfilled') browser = chromium.value;
    for (const result of [built, stack, chromium]) {
      if (result.status === 'rejected') throw result.reason;
    }
    front = await startAppFront({
      atlasUrl: suite.atlas.url,
      snapshotDir: path.join(dir, 'web'),
      securityHeaders: await atlasSecurityHeaders(suite.atlas.url),
    });
  }, 120_000);

  afterEach(async ({ task }) => {
    const pages = testPages;
    const errors = pageErrors;
    testPages = [];
    pageErrors = [];
    const serverLogs = atlas?.takeLogs() ?? [];
    if (task.result?.state === 'fail') {
      if (errors.length > 0) console.error(`page errors in "${task.name}":\n${errors.join('\n')}`);
      if (serverLogs.length > 0) {
        console.error(`Atlas logs during "${task.name}":\n${serverLogs.join('\n')}`);
      }
      for (const [index, page] of pages.entries()) {
        const suffix = pages.length > 1 ? `-${index + 1}` : '';
        await saveScreenshot(page, `FAILED-${task.name}${suffix}`).catch(() => {});
      }
    }
    for (const page of pages) await page.close().catch(() => {});
  });

  afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => {});
    await browser?.close();
    await front?.close();
    await atlas?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }, 60_000);

  const suite: BrowserSuite = {
    get atlas() {
      if (!atlas) throw new Error('the Atlas stack is not started (use it inside a test)');
      return atlas;
    },
    get appUrl() {
      if (!front) throw new Error('the app front is not started (use it inside a test)');
      return front.url;
    },
    get browser() {
      if (!browser) throw new Error('Chromium is not started (use it inside a test)');
      return browser;
    },
    async newContext() {
      const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
      contexts.push(context);
      return context;
    },
    async openPage(context) {
      const page = await (context ?? (await suite.newContext())).newPage();
      page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
      });
      testPages.push(page);
      return page;
    },
  };
  return suite;
}
