import { afterEach, describe, expect, it } from 'vitest';
import { type OpenAiFake, startOpenAiFake } from './openai-fake.js';
import { fakeSpeechPcm, oddChunks, SPEECH_MS_PER_CHARACTER } from './speech.js';

let fake: OpenAiFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function post(body: unknown, key = 'k'): Promise<Response> {
  if (!fake) throw new Error('no fake');
  return fetch(`${fake.baseURL}/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}

describe('fake POST /v1/audio/speech', () => {
  it('makes 60 ms of 24 kHz PCM16 per character, silence for spaces, faster with speed', () => {
    const pcm = fakeSpeechPcm('ab c');
    expect(pcm.byteLength).toBe(((4 * (24_000 * SPEECH_MS_PER_CHARACTER)) / 1000) * 2);
    const samples = new Int16Array(pcm.buffer);
    const perCharacter = samples.length / 4;
    expect(samples.subarray(2 * perCharacter, 3 * perCharacter).every((s) => s === 0)).toBe(true);
    expect(Math.max(...samples.subarray(0, perCharacter))).toBeGreaterThan(7000);
    expect(fakeSpeechPcm('ab c', 2).byteLength).toBe(pcm.byteLength / 2);
  });

  it('is each character as a sine at its own pitch, the same on every call (tones are cached)', () => {
    const reference = (input: string): Int16Array => {
      const perCharacter = (24_000 * SPEECH_MS_PER_CHARACTER) / 1000;
      const out = new Int16Array(input.length * perCharacter);
      [...input].forEach((character, index) => {
        if (/\s/.test(character)) return;
        const step = (2 * Math.PI * (200 + ((character.codePointAt(0) ?? 0) % 64) * 25)) / 24_000;
        for (let n = 0; n < perCharacter; n++)
          out[index * perCharacter + n] = Math.round(8000 * Math.sin(step * n));
      });
      return out;
    };
    const first = fakeSpeechPcm('aba b');
    expect(new Int16Array(first.buffer)).toEqual(reference('aba b'));
    first.fill(1); // a caller owns its buffer: the cache must not hand out shared memory
    expect(new Int16Array(fakeSpeechPcm('aba b').buffer)).toEqual(reference('aba b'));
  });

  it('splits the body at odd offsets so samples straddle chunks', () => {
    const chunks = oddChunks(new Uint8Array(100), 20);
    expect(chunks.map((c) => c.byteLength)).toEqual([21, 19, 21, 19, 20]);
  });

  it('answers pcm as raw bytes and wav with a real header', async () => {
    fake = await startOpenAiFake();
    const base = { model: 'tts-1', voice: 'alloy', input: 'Hi you' };
    const pcm = await post({ ...base, response_format: 'pcm' });
    expect(pcm.status).toBe(200);
    expect(new Uint8Array(await pcm.arrayBuffer())).toEqual(fakeSpeechPcm('Hi you'));
    const wav = new Uint8Array(
      await (await post({ ...base, response_format: 'wav' })).arrayBuffer(),
    );
    expect(Buffer.from(wav.subarray(0, 4)).toString()).toBe('RIFF');
    expect(new DataView(wav.buffer).getUint32(40, true)).toBe(fakeSpeechPcm('Hi you').byteLength);
    expect(wav.subarray(44)).toEqual(fakeSpeechPcm('Hi you'));
  });

  it('rejects formats it cannot encode, missing fields and bad keys the way OpenAI does', async () => {
    fake = await startOpenAiFake({ apiKey: 'right' });
    const mp3 = await post({ model: 'tts-1', voice: 'alloy', input: 'x' }, 'right');
    expect(mp3.status).toBe(400);
    expect(await mp3.json()).toMatchObject({ error: { param: 'response_format' } });
    const noVoice = await post({ model: 'tts-1', input: 'x', response_format: 'pcm' }, 'right');
    expect(await noVoice.json()).toMatchObject({
      error: { param: 'voice', type: 'invalid_request_error' },
    });
    const wrongKey = await post({
      model: 'tts-1',
      voice: 'alloy',
      input: 'x',
      response_format: 'pcm',
    });
    expect(wrongKey.status).toBe(401);
  });

  it('applies a 500 fault with retry-after, then serves the next request', async () => {
    fake = await startOpenAiFake();
    fake.faults.push({ kind: 'status', status: 500, retryAfterSeconds: 1 });
    const body = { model: 'tts-1', voice: 'alloy', input: 'x', response_format: 'pcm' };
    const failed = await post(body);
    expect(failed.status).toBe(500);
    expect(failed.headers.get('retry-after')).toBe('1');
    expect((await post(body)).status).toBe(200);
  });
});
