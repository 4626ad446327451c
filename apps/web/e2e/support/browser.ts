/**
 * @module e2e/support/browser
 * Debian's Chromium driven by playwright-core (never a downloaded browser), headless, with a
 * fake microphone that plays a WAV file in a loop and permission prompts answered "allow".
 * Screenshots go to `test-artifacts/screenshots/` (git-ignored), named by screen or by the
 * failing test.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const SCREENSHOT_DIR = path.join(repoRoot, 'test-artifacts/screenshots');

/** Launches Chromium whose microphone says what `fakeMicWav` holds, over and over. */
export function launchChromium(fakeMicWav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${fakeMicWav}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** Saves a full-page screenshot as `test-artifacts/screenshots/<name>.png`; returns the path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
