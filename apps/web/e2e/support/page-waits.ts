/**
 * @module e2e/support/page-waits
 * Waiting for what the page shows, by the shared `data-testid` contract: an element in a state,
 * a numeric attribute past a threshold, text matching a pattern. Every wait is on a condition
 * with a timeout (never a fixed sleep) and fails saying what it was waiting for.
 */
import type { Locator, Page } from 'playwright-core';

/** The CSS selector of a test id, optionally with attribute values: `[data-testid="x"][a="b"]`. */
export function testId(id: string, attributes: Readonly<Record<string, string>> = {}): string {
  const extra = Object.entries(attributes)
    .map(([name, value]) => `[${name}="${value}"]`)
    .join('');
  return `[data-testid="${id}"]${extra}`;
}

export function byTestId(page: Page, id: string): Locator {
  return page.locator(testId(id));
}

const DEFAULT_TIMEOUT_MS = 15_000;

async function described<T>(what: string, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(`timed out waiting for ${what} (${reason})`, { cause: error });
  }
}

/** Waits until a visible element with `id` has every attribute value given. */
export async function waitForAttributes(
  page: Page,
  id: string,
  attributes: Readonly<Record<string, string>>,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  const selector = testId(id, attributes);
  await described(selector, () =>
    page.locator(selector).first().waitFor({ state: 'attached', timeout: timeoutMs }),
  );
}

/** Waits until numeric attribute `attribute` of `id` exceeds `above`; returns its value. */
export async function waitForNumberAbove(
  page: Page,
  id: string,
  attribute: string,
  above: number,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<number> {
  const selector = testId(id);
  await described(`${selector} ${attribute} > ${above}`, () =>
    page.waitForFunction(
      ({ selector, attribute, above }) =>
        Number(document.querySelector(selector)?.getAttribute(attribute)) > above,
      { selector, attribute, above },
      { timeout: timeoutMs },
    ),
  );
  return readNumber(page, id, attribute);
}

/** The numeric value of an attribute (NaN when missing or not a number). */
export async function readNumber(page: Page, id: string, attribute: string): Promise<number> {
  return Number(await byTestId(page, id).first().getAttribute(attribute));
}

/** Waits until an element with `id` shows text matching `pattern`; returns that text. */
export async function waitForText(
  page: Page,
  id: string,
  pattern: RegExp,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<string> {
  const match = byTestId(page, id).filter({ hasText: pattern }).first();
  await described(`${testId(id)} with text ${pattern}`, () =>
    match.waitFor({ state: 'visible', timeout: timeoutMs }),
  );
  return (await match.textContent()) ?? '';
}

/** The first number in a text such as "$0.0123" or "1,234 ms". */
export function numberIn(text: string): number {
  const found = text.replace(/,/g, '').match(/-?\d+(?:\.\d+)?(?:e-?\d+)?/i);
  return found ? Number(found[0]) : Number.NaN;
}
