/**
 * Browser test of the V1 (batch) voice fallback: with `VOICE_V2_ENABLED=false` the call view
 * says it is on V1, records a turn from the fake microphone, has it transcribed
 * (`/v1/voice/transcribe` → the fake OpenAI), streams the reply through the conversation and
 * plays the spoken reply (`/v1/voice/speak`).
 */
import { describe, expect, it } from 'vitest';
import { endCall, newCredentials, signUpThroughUi, startCall } from './support/app-flows.js';
import { saveScreenshot } from './support/browser.js';
import { registerBrowserSuite } from './support/browser-suite.js';
import {
  byTestId,
  waitForAttributes,
  waitForNumberAbove,
  waitForText,
} from './support/page-waits.js';
import { recordVoiceWire } from './support/voice-wire.js';

const SENTENCE = 'please read me the news';
const REPLY = 'Here is the news. Nothing much happened today, and the sun came out.';
const suite = registerBrowserSuite({
  heardSentence: SENTENCE,
  reply: REPLY,
  env: { VOICE_V2_ENABLED: 'false' },
});

describe('the V1 voice fallback in the browser', () => {
  it('runs a whole turn over the batch endpoints when Voice V2 is off', async () => {
    const page = await suite.openPage();
    const wire = recordVoiceWire(page);
    const credentials = newCredentials('v1-caller');
    await signUpThroughUi(page, suite.appUrl, credentials);
    await suite.atlas.setTier(credentials.email, 'studio');

    await startCall(page, suite.appUrl);
    await waitForAttributes(page, 'voice-mode', { 'data-mode': 'v1' });
    expect(await byTestId(page, 'voice-mode').textContent()).toMatch(/v1/i);
    await waitForText(page, 'final-transcript', new RegExp(SENTENCE, 'i'), 20_000);
    await waitForText(page, 'reply-text', /Here is the news\./, 20_000);
    await waitForNumberAbove(page, 'playback-stats', 'data-scheduled-ms', 0, 20_000);
    // V1 never opens the real-time socket.
    expect(wire.sockets).toBe(0);
    await saveScreenshot(page, 'call-v1');
    await endCall(page);
  }, 60_000);
});
