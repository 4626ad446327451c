/**
 * Browser tests of signing up and chatting: the sign-in page, a reply streamed into the page,
 * and a reload that shows the conversation from IndexedDB before the network answers.
 */
import type { Page, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newCredentials, signUpThroughUi } from './support/app-flows.js';
import { saveScreenshot } from './support/browser.js';
import { registerBrowserSuite } from './support/browser-suite.js';
import { byTestId, waitForAttributes, waitForText } from './support/page-waits.js';

const REPLY = 'Paris is the capital of France. It sits on the Seine and is known for its museums.';
const suite = registerBrowserSuite({ heardSentence: 'what is the weather today', reply: REPLY });

/** Sends a chat message and waits for the whole reply; returns the page's assistant message. */
async function sendAndAwaitReply(page: Page, text: string) {
  await byTestId(page, 'chat-input').fill(text);
  await byTestId(page, 'chat-send').click();
  await waitForText(page, 'message-user', new RegExp(text));
  await waitForAttributes(page, 'message-assistant', { 'data-streaming': 'false' }, 20_000);
  return byTestId(page, 'message-assistant').last();
}

describe('chat in the browser', () => {
  it('signs up through the sign-in page', async () => {
    const page = await suite.openPage();
    await page.goto(suite.appUrl);
    // Signed out, the app sends people to sign in.
    await byTestId(page, 'auth-email').waitFor({ state: 'visible', timeout: 15_000 });
    expect(new URL(page.url()).pathname).toBe('/signin');
    await saveScreenshot(page, 'sign-in');

    await signUpThroughUi(page, suite.appUrl, newCredentials('signup'));
    for (const nav of ['nav-chat', 'nav-call', 'nav-usage', 'sign-out']) {
      expect(await byTestId(page, nav).isVisible(), nav).toBe(true);
    }
  }, 45_000);

  it('sends a message and sees the reply stream in', async () => {
    const page = await suite.openPage();
    await signUpThroughUi(page, suite.appUrl, newCredentials('chat'));
    await byTestId(page, 'chat-input').fill('What is the capital of France?');
    await byTestId(page, 'chat-send').click();
    await waitForText(page, 'message-user', /What is the capital of France\?/);

    // While tokens arrive the message says so (and Stop is offered), then it settles.
    await waitForAttributes(page, 'message-assistant', { 'data-streaming': 'true' });
    await waitForAttributes(page, 'message-assistant', { 'data-streaming': 'false' }, 20_000);
    const assistant = byTestId(page, 'message-assistant').last();
    expect((await assistant.textContent())?.trim()).toContain(REPLY);
    expect(await byTestId(page, 'chat-stop').isVisible()).toBe(false);
    expect(await byTestId(page, 'conversation-item').count()).toBeGreaterThan(0);
    await saveScreenshot(page, 'chat-reply');
  }, 45_000);

  it('shows the conversation from IndexedDB after a reload, then syncs', async () => {
    const context = await suite.newContext();
    const page = await suite.openPage(context);
    await signUpThroughUi(page, suite.appUrl, newCredentials('reload'));
    await sendAndAwaitReply(page, 'Tell me about Paris');
    await waitForAttributes(page, 'sync-status', { 'data-state': 'synced' });
    const title = (await byTestId(page, 'conversation-item').first().textContent()) ?? '';

    // Hold every conversation and sync request: what the reloaded page shows can only come
    // from what it stored locally.
    const held: Route[] = [];
    let holding = true;
    await page.route(
      (url) => /^\/v1\/(sync|conversations)/.test(url.pathname),
      (route) => {
        if (holding) held.push(route);
        else void route.continue();
      },
    );
    await page.reload();
    await waitForText(page, 'message-user', /Tell me about Paris/);
    await waitForText(page, 'message-assistant', /Paris is the capital of France/);
    await waitForText(page, 'conversation-item', new RegExp(escapeRegExp(title.trim())));
    await waitForAttributes(page, 'sync-status', { 'data-state': 'local' });
    expect(await indexedDbNames(page)).not.toEqual([]);

    holding = false;
    for (const route of held.splice(0)) await route.continue();
    await waitForAttributes(page, 'sync-status', { 'data-state': 'synced' });
    expect(await byTestId(page, 'message-assistant').count()).toBe(1);
  }, 60_000);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Names of the page's IndexedDB databases (the app's local store lives there). */
function indexedDbNames(page: Page): Promise<string[]> {
  return page.evaluate(async () =>
    (await indexedDB.databases()).map((db) => db.name ?? '').filter((name) => name.length > 0),
  );
}
