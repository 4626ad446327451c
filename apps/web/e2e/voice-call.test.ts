/**
 * Browser tests of a Voice V2 call: Chromium's fake microphone says a sentence (espeak-ng), the
 * fake Deepgram hears it, the fake Claude answers and the fake OpenAI speaks; the page shows the
 * transcript and reply, plays the audio, stops on Interrupt, survives a dropped socket by
 * resuming the session, and the dashboard shows what the call cost.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { endCall, newCredentials, signUpThroughUi, startCall } from './support/app-flows.js';
import { saveScreenshot } from './support/browser.js';
import { registerBrowserSuite } from './support/browser-suite.js';
import {
  byTestId,
  testId,
  waitForAttributes,
  waitForNumberAbove,
  waitForText,
} from './support/page-waits.js';
import { describeWire, recordVoiceWire, waitForWireMessages } from './support/voice-wire.js';

const SENTENCE = 'what is the weather today';
const REPLY = 'It is sunny and warm today. Take your sunglasses and a bottle of water.';
const suite = registerBrowserSuite({ heardSentence: SENTENCE, reply: REPLY });

/** One Studio user signed in for the whole file (voice is a Studio feature). */
let studio: BrowserContext;

beforeAll(async () => {
  studio = await suite.newContext();
  const page = await studio.newPage();
  const credentials = newCredentials('caller');
  await signUpThroughUi(page, suite.appUrl, credentials);
  await suite.atlas.setTier(credentials.email, 'studio');
  await page.close();
}, 60_000);

/** Waits for a whole turn on the page: partial, final transcript, reply text, audio. */
async function expectATurn(page: Page): Promise<void> {
  await waitForText(page, 'partial-transcript', /\bwhat\b/i, 20_000);
  await waitForText(page, 'final-transcript', new RegExp(SENTENCE, 'i'), 20_000);
  await waitForText(page, 'reply-text', /It is sunny and warm today\./, 20_000);
  await waitForNumberAbove(page, 'playback-stats', 'data-scheduled-ms', 0, 20_000);
}

/**
 * Presses Interrupt in the same task that sees the reply playing, so the flush that follows is
 * the button's (the looping microphone also barges in, a second or so into each reply).
 * Returns the flush count just before the press, or undefined when nothing was playing.
 */
function interruptWhilePlaying(page: Page): Promise<number | undefined> {
  return page.evaluate(
    ({ stats, button }) => {
      const playback = document.querySelector(stats);
      if (playback?.getAttribute('data-playing') !== 'true') return undefined;
      const flushes = Number(playback.getAttribute('data-flushes'));
      document.querySelector<HTMLButtonElement>(button)?.click();
      return flushes;
    },
    { stats: testId('playback-stats'), button: testId('call-interrupt') },
  );
}

describe('a voice call in the browser', () => {
  it('hears the user, shows the transcript and reply, and plays the audio', async () => {
    const page = await suite.openPage(studio);
    await startCall(page, suite.appUrl);
    await waitForAttributes(page, 'voice-mode', { 'data-mode': 'v2' });
    await expectATurn(page);
    expect(Number(await byTestId(page, 'mic-level').getAttribute('data-level'))).not.toBeNaN();
    // The turn is over once its metrics and cost are in.
    await waitForText(page, 'turn-latency', /\d/);
    await waitForText(page, 'session-cost', /\$\d/);
    await saveScreenshot(page, 'call-live');
    await endCall(page);
  }, 60_000);

  it('stops playback at once when Interrupt is pressed', async () => {
    const page = await suite.openPage(studio);
    const wire = recordVoiceWire(page);
    await startCall(page, suite.appUrl);
    let flushesBefore: number | undefined;
    // A reply the microphone barged in on first is skipped: the next turn brings another.
    for (let attempt = 0; attempt < 3 && flushesBefore === undefined; attempt++) {
      await waitForAttributes(page, 'playback-stats', { 'data-playing': 'true' }, 20_000);
      flushesBefore = await interruptWhilePlaying(page);
    }
    if (flushesBefore === undefined)
      throw new Error('no reply was playing when Interrupt was pressed');
    await waitForNumberAbove(page, 'playback-stats', 'data-flushes', flushesBefore);
    await waitForAttributes(page, 'playback-stats', { 'data-playing': 'false' });
    expect(wire.sent.some((message) => message.type === 'interrupt')).toBe(true);
    await saveScreenshot(page, 'call-interrupted');
    await endCall(page);
  }, 60_000);

  it('reconnects and resumes the session after the server drops the socket', async () => {
    const page = await suite.openPage(studio);
    const wire = recordVoiceWire(page);
    onTestFailed(() => console.error(`voice wire:\n${describeWire(wire)}`));
    await startCall(page, suite.appUrl);
    const [first] = await waitForWireMessages(wire, 'session_started');

    expect(suite.atlas.dropVoiceSockets()).toBe(1);
    await waitForAttributes(page, 'call-state', { 'data-state': 'reconnecting' });
    await waitForAttributes(page, 'call-state', { 'data-state': 'live' }, 20_000);
    const [, resumed] = await waitForWireMessages(wire, 'session_started', 2);
    expect(resumed).toMatchObject({
      resumed: true,
      sessionId: first?.sessionId,
      conversationId: first?.conversationId,
    });
    expect(wire.sockets).toBeGreaterThanOrEqual(2);

    // The resumed session still hears and answers.
    const finalsBefore = wire.of('final_transcript').length;
    await waitForWireMessages(wire, 'final_transcript', finalsBefore + 1, 20_000);
    await waitForWireMessages(wire, 'response_end', 1, 20_000);
    await endCall(page);
  }, 60_000);

  it('shows what the call cost on the usage dashboard', async () => {
    const call = await suite.openPage(studio);
    await startCall(call, suite.appUrl);
    await expectATurn(call);
    await endCall(call);
    await suite.atlas.flushRecords();

    const page = await suite.openPage(studio);
    await page.goto(`${suite.appUrl}/usage`);
    // Anything but $0.00: a voice turn costs a fraction of a cent.
    await waitForText(page, 'usage-total', /\$0\.0*[1-9]|\$[1-9]/);
    await byTestId(page, 'usage-event-row').filter({ hasText: /voice/i }).first().waitFor();
    expect(await byTestId(page, 'usage-chart').isVisible()).toBe(true);
    // Tall enough to show the events table below the chart in one picture.
    await page.setViewportSize({ width: 1280, height: 1400 });
    await saveScreenshot(page, 'dashboard');
  }, 60_000);
});
