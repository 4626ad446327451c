/**
 * The browser-test harness itself, independent of any page of the app: Atlas runs with the
 * vendor fakes, Chromium loads the built app from it, and the fake microphone really speaks.
 * When a feature test fails, these say whether the harness or the app is to blame.
 */
import type { HealthResponse } from '@atlas/protocol';
import { describe, expect, it } from 'vitest';
import { registerBrowserSuite } from './support/browser-suite.js';

const suite = registerBrowserSuite({ heardSentence: 'testing one two three', reply: 'Heard you.' });

describe('browser test harness', () => {
  it('runs Atlas with the real vendor adapters pointed at the fakes', async () => {
    const health = (await (await fetch(`${suite.atlas.url}/health`)).json()) as HealthResponse;
    expect(health.providers).toMatchObject({
      llm: 'anthropic>openai',
      stt: 'deepgram>pocketsphinx',
      tts: 'openai>espeak',
      voice: true,
    });
  });

  it('serves the built app, with the SPA fallback and a CSP', async () => {
    const response = await fetch(`${suite.atlas.url}/chat/some-conversation`, {
      headers: { accept: 'text/html' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await response.text()).toContain('<div id="root">');
  });

  it('renders the app in Chromium under that CSP, without page errors', async () => {
    const page = await suite.openPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(suite.appUrl);
    expect(response?.status()).toBe(200);
    await page.waitForFunction(() => (document.getElementById('root')?.childElementCount ?? 0) > 0);
    expect(errors).toEqual([]);
  });

  it('gives pages a microphone that speaks the WAV', async () => {
    const page = await suite.openPage();
    await page.goto(`${suite.appUrl}/health`);
    // The loudest 100 ms RMS (0..1) heard within a few seconds; the WAV's speech is well above
    // the app's speech threshold (0.02), its pause is digital silence.
    const loudest = await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: { autoGainControl: false, noiseSuppression: false, echoCancellation: false },
      });
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 2048;
      context.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      let max = 0;
      const deadline = performance.now() + 5_000;
      while (max < 0.05 && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const sample of samples) sum += sample * sample;
        max = Math.max(max, Math.sqrt(sum / samples.length));
      }
      for (const track of stream.getTracks()) track.stop();
      await context.close();
      return max;
    });
    expect(loudest).toBeGreaterThan(0.05);
  });
});
