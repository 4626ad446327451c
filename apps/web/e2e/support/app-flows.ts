/**
 * @module e2e/support/app-flows
 * Steps several browser tests take through the app's UI: signing up, starting and ending a
 * voice call. Each step waits for the page to confirm it before returning.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { byTestId, waitForAttributes } from './page-waits.js';

export interface Credentials {
  readonly email: string;
  readonly password: string;
}

/** A fresh address (Atlas refuses a second sign-up with the same email). */
export function newCredentials(label: string): Credentials {
  return { email: `${label}-${randomUUID()}@example.test`, password: 'correct horse battery' };
}

/**
 * Creates an account on `/signin` and waits for the signed-in app shell. The page opens in
 * either mode; the toggle is pressed only when the submit button does not already create one.
 */
export async function signUpThroughUi(
  page: Page,
  baseUrl: string,
  credentials: Credentials,
): Promise<void> {
  await page.goto(`${baseUrl}/signin`);
  const submit = byTestId(page, 'auth-submit');
  await submit.waitFor({ state: 'visible', timeout: 15_000 });
  if (!/create|sign\s*up|register/i.test((await submit.textContent()) ?? '')) {
    await byTestId(page, 'auth-mode-toggle').click();
    await submit.filter({ hasText: /create|sign\s*up|register/i }).waitFor({ timeout: 5_000 });
  }
  await byTestId(page, 'auth-email').fill(credentials.email);
  await byTestId(page, 'auth-password').fill(credentials.password);
  await submit.click();
  await byTestId(page, 'app-shell').waitFor({ state: 'visible', timeout: 15_000 });
}

/** Opens the call view (with AGC and noise suppression off) and starts a call; waits for live. */
export async function startCall(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/call?agc=0`);
  await byTestId(page, 'call-start').click({ timeout: 15_000 });
  await waitForAttributes(page, 'call-state', { 'data-state': 'live' });
}

/** Ends the call from the page and waits until it says so. */
export async function endCall(page: Page): Promise<void> {
  await byTestId(page, 'call-end').click();
  await waitForAttributes(page, 'call-state', { 'data-state': 'ended' });
}
