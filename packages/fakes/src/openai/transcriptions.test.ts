import { afterEach, describe, expect, it } from 'vitest';
import { CodedSpeechRecognizer, codedSpeech, silence } from '../deepgram/coded-speech.js';
import { encodeWav } from '../deepgram/transcribe-file.js';
import { type OpenAiFake, type OpenAiFakeOptions, startOpenAiFake } from './openai-fake.js';

let fake: OpenAiFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: OpenAiFakeOptions): Promise<OpenAiFake> {
  fake = await startOpenAiFake(options);
  return fake;
}

function upload(
  f: OpenAiFake,
  fields: Record<string, string>,
  file: Uint8Array | null = new Uint8Array([1, 2, 3]),
) {
  const form = new FormData();
  if (file) form.set('file', new Blob([file], { type: 'audio/webm' }), 'audio.webm');
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return fetch(`${f.baseURL}/audio/transcriptions`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-test' },
    body: form,
  });
}

describe('OpenAI fake: /v1/audio/transcriptions', () => {
  it('answers json with text and usage, then plain text, consuming the script in order', async () => {
    const f = await start({ transcriptions: { script: ['Hello there.', 'Second one.'] } });
    const json = await upload(f, { model: 'gpt-4o-mini-transcribe' });
    expect(json.status).toBe(200);
    expect(json.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await json.json()).toEqual({
      text: 'Hello there.',
      usage: { type: 'duration', seconds: 0 },
    });
    const text = await upload(f, { model: 'whisper-1', response_format: 'text' });
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await text.text()).toBe('Second one.\n');
  });

  it('decodes WAV uploads and hears their words', async () => {
    const vocabulary = ['open', 'the', 'door'];
    const f = await start({
      transcriptions: { recognizer: new CodedSpeechRecognizer(vocabulary) },
    });
    const pcm = Buffer.concat([...codedSpeech(['open', 'the', 'door'], vocabulary), ...silence(4)]);
    const form = new FormData();
    form.set('file', new Blob([encodeWav(pcm)], { type: 'audio/wav' }), 'a.wav');
    form.set('model', 'whisper-1');
    form.set('response_format', 'verbose_json');
    const response = await fetch(`${f.baseURL}/audio/transcriptions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
      body: form,
    });
    expect(await response.json()).toMatchObject({
      task: 'transcribe',
      text: 'open the door',
      duration: 1,
      segments: [{ id: 0, start: 0, end: 1, text: 'open the door' }],
    });
  });

  it('streams transcript.text.delta and transcript.text.done events', async () => {
    const f = await start({ transcriptions: { script: ['one two three'] } });
    const response = await upload(f, { model: 'gpt-4o-transcribe', stream: 'true' });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await response.text())
      .split('\n\n')
      .filter(Boolean)
      .map((chunk) => JSON.parse(chunk.replace(/^data: /, '')) as { type: string });
    expect(events).toEqual([
      { type: 'transcript.text.delta', delta: 'one' },
      { type: 'transcript.text.delta', delta: ' two' },
      { type: 'transcript.text.delta', delta: ' three' },
      {
        type: 'transcript.text.done',
        text: 'one two three',
        usage: { type: 'duration', seconds: 0 },
      },
    ]);
  });

  it("rejects requests without a file or a model with OpenAI's 400 body", async () => {
    const f = await start({});
    const noFile = await upload(f, { model: 'whisper-1' }, null);
    expect(noFile.status).toBe(400);
    expect(await noFile.json()).toEqual({
      error: {
        message: "'file' is a required property.",
        type: 'invalid_request_error',
        param: 'file',
        code: null,
      },
    });
    const noModel = await upload(f, {});
    expect(((await noModel.json()) as { error: { param: string } }).error.param).toBe('model');
    const badFormat = await upload(f, { model: 'whisper-1', response_format: 'mp3' });
    expect(badFormat.status).toBe(400);
  });

  it('destroys the socket on a cut fault', async () => {
    const f = await start({ transcriptions: { script: ['never heard'] } });
    f.faults.push({ kind: 'cut', afterChunks: 0 });
    await expect(upload(f, { model: 'whisper-1' })).rejects.toThrow();
  });
});
