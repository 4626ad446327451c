/**
 * @module e2e/support/browser-suite
 * The hooks every browser test file shares: one Atlas stack and one Chromium per file (started
 * in `beforeAll`, closed in `afterAll`), the web app built first when its sources changed, and
 * pages opened by a test closed after it, with a screenshot of each when the test failed.
 *
 * @example
 * const suite = registerBrowserSuite({ heardSentence: 'what is the weather today', reply: 'Sunny.' });
 * it('signs up', async () => {
 *   const page = await suite.openPage();
 *   await page.goto(`${suite.atlas.url}/signin`);
 * });
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type AtlasStack, type AtlasStackOptions, startAtlasStack } from './atlas-stack.js';
import { launchChromium, saveScreenshot } from './browser.js';
import { withDirectoryLock } from './directory-lock.js';
import { writeFakeMicWav } from './fake-mic.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Builds `apps/web/dist` unless it is newer than its sources (the script is a no-op then).
 * Test files run in parallel workers: a lock keeps two of them from building into the same
 * folder at once (the second finds the build up to date).
 */
export async function buildWebApp(): Promise<void> {
  await withDirectoryLock(path.join(os.tmpdir(), 'atlas-e2e-web-build.lock'), () =>
    run(process.execPath, [path.join(repoRoot, 'scripts/build-web.mjs')], { cwd: repoRoot }),
  );
}

export interface BrowserSuite {
  readonly atlas: AtlasStack;
  readonly browser: Browser;
  /** A browser context (own cookies and storage) closed when the file's tests are done. */
  newContext(): Promise<BrowserContext>;
  /** A page in `context` (default: a fresh context), closed after the current test. */
  openPage(context?: BrowserContext): Promise<Page>;
}

export function registerBrowserSuite(options: AtlasStackOptions): BrowserSuite {
  let atlas: AtlasStack | undefined;
  let browser: Browser | undefined;
  let micDir: string | undefined;
  const contexts: BrowserContext[] = [];
  let testPages: Page[] = [];
  /** What the pages of the current test logged as errors, shown when it fails. */
  let pageErrors: string[] = [];

  beforeAll(async () => {
    micDir = await mkdtemp(path.join(os.tmpdir(), 'atlas-e2e-mic-'));
    const [wav] = await Promise.all([
      writeFakeMicWav(micDir, { sentence: options.heardSentence }),
      buildWebApp(),
    ]);
    const [stack, chromium] = await Promise.allSettled([
      startAtlasStack(options),
      launchChromium(wav),
    ]);
    // Keep whichever started, so afterAll closes it even when the other failed.
    if (stack.status === 'fulfilled') atlas = stack.value;
    if (chromium.status === 'fulfilled') browser = chromium.value;
    for (const result of [stack, chromium]) if (result.status === 'rejected') throw result.reason;
  }, 120_000);

  afterEach(async ({ task }) => {
    const pages = testPages;
    const errors = pageErrors;
    testPages = [];
    pageErrors = [];
    if (task.result?.state === 'fail') {
      if (errors.length > 0) console.error(`page errors in "${task.name}":\n${errors.join('\n')}`);
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
    await atlas?.close();
    if (micDir) await rm(micDir, { recursive: true, force: true });
  }, 60_000);

  const suite: BrowserSuite = {
    get atlas() {
      if (!atlas) throw new Error('the Atlas stack is not started (use it inside a test)');
      return atlas;
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
