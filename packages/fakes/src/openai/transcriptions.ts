/**
 * @module openai/transcriptions
 * `POST /v1/audio/transcriptions` for the fake OpenAI server: multipart in (`file`, `model`,
 * optional `response_format`, `language`, `prompt`, `stream`), `{"text": …}` out. What it hears
 * comes from the same recognizers as the Deepgram fake: a WAV (PCM16) upload is decoded and
 * segmented; audio the fake cannot decode (WebM, MP3…) is heard as one segment, so a script
 * answers with its next utterance. Options go in `startOpenAiFake({ transcriptions: … })`.
 *
 * Formats: `json` (with `usage` in seconds), `text`, `verbose_json`, `srt`, `vtt`; `stream: true`
 * sends `transcript.text.delta` / `transcript.text.done` events. The answer waits the profile's
 * `stt.lagMs`. A `cut` fault destroys the socket instead of answering.
 *
 * @example
 * const fake = await startOpenAiFake({ transcriptions: { script: ['hello there'] } });
 * const openai = new OpenAI({ apiKey: 'test', baseURL: fake.baseURL, maxRetries: 0 });
 * const { text } = await openai.audio.transcriptions.create({
 *   file: await toFile(wavBytes, 'a.wav'), model: 'gpt-4o-mini-transcribe' });
 */
import { type Recognizer, ScriptRecognizer } from '../deepgram/recognizer.js';
import { transcribeFile } from '../deepgram/transcribe-file.js';
import { sleep, startSse } from '../http-server.js';
import type { OpenAiFakeOptions, OpenAiRoute, OpenAiRouteContext } from './openai-fake.js';

export interface TranscriptionsFakeOptions {
  /** What the speaker says, one utterance per speech segment (or per undecodable upload). */
  readonly script?: readonly string[];
  /** Hears the audio instead of the script (takes precedence). */
  readonly recognizer?: Recognizer;
  /** RMS level of PCM16 that counts as speech. */
  readonly speechThreshold?: number;
}

// Route options live beside the route: merged into the router's options type.
declare module './openai-fake.js' {
  interface OpenAiFakeOptions {
    /** `/v1/audio/transcriptions`: what the fake hears. */
    transcriptions?: TranscriptionsFakeOptions;
  }
}

const FORMATS = new Set(['json', 'text', 'verbose_json', 'srt', 'vtt']);
// One script per fake (its options object), consumed across requests.
const scripts = new WeakMap<OpenAiFakeOptions, ScriptRecognizer>();

function recognizerFor(options: OpenAiFakeOptions): Recognizer {
  const settings = options.transcriptions ?? {};
  if (settings.recognizer) return settings.recognizer;
  let script = scripts.get(options);
  if (!script) {
    script = new ScriptRecognizer(settings.script ?? [], {
      ...(settings.speechThreshold === undefined
        ? {}
        : { speechThreshold: settings.speechThreshold }),
    });
    scripts.set(options, script);
  }
  return script;
}

function timestamp(seconds: number, separator: ',' | '.'): string {
  const ms = Math.round(seconds * 1000);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${separator}${pad(ms % 1000, 3)}`;
}

async function handle(context: OpenAiRouteContext): Promise<void> {
  const { request, response, recorded, fault, profile, options, requestId, clientGone } = context;
  const invalid = (param: string, message: string) =>
    context.sendError(400, { message, type: 'invalid_request_error', param, code: null });
  let form: FormData;
  try {
    // The Fetch API's multipart parser (undici), so the fake reads exactly what a server would.
    form = await new Response(new Uint8Array(recorded.raw), {
      headers: { 'content-type': request.headers['content-type'] ?? '' },
    }).formData();
  } catch {
    return invalid('file', 'Expected a multipart/form-data body.');
  }
  const file = form.get('file');
  if (!file || typeof file === 'string') return invalid('file', "'file' is a required property.");
  const model = form.get('model');
  if (typeof model !== 'string' || model.length === 0)
    return invalid('model', "'model' is a required property.");
  const format = String(form.get('response_format') ?? 'json');
  if (!FORMATS.has(format))
    return invalid('response_format', `Unsupported response_format '${format}'.`);
  if (fault?.kind === 'cut') {
    request.socket.destroy();
    return;
  }

  const settings = options.transcriptions ?? {};
  const heard = transcribeFile(new Uint8Array(await file.arrayBuffer()), {
    recognizer: recognizerFor(options),
    punctuate: true,
    ...(settings.speechThreshold === undefined
      ? {}
      : { speechThreshold: settings.speechThreshold }),
  });
  await sleep(profile.stt.lagMs, clientGone);
  if (clientGone.aborted) return;
  const text = heard.alternative.transcript;
  const duration = heard.durationSeconds;
  const headers = { 'x-request-id': requestId };

  if (form.get('stream') === 'true') {
    const sse = startSse(response, headers);
    const words = text.split(' ').filter(Boolean);
    for (const [i, word] of words.entries()) {
      sse.send({ type: 'transcript.text.delta', delta: i === 0 ? word : ` ${word}` });
    }
    sse.send({
      type: 'transcript.text.done',
      text,
      usage: { type: 'duration', seconds: Math.ceil(duration) },
    });
    sse.end();
    return;
  }
  if (format === 'json') {
    response.writeHead(200, { 'content-type': 'application/json', ...headers });
    response.end(
      JSON.stringify({ text, usage: { type: 'duration', seconds: Math.ceil(duration) } }),
    );
    return;
  }
  if (format === 'verbose_json') {
    const segments = text
      ? [
          {
            id: 0,
            seek: 0,
            start: 0,
            end: duration,
            text,
            tokens: [],
            temperature: 0,
            avg_logprob: -0.1,
            compression_ratio: 1,
            no_speech_prob: 0,
          },
        ]
      : [];
    response.writeHead(200, { 'content-type': 'application/json', ...headers });
    response.end(
      JSON.stringify({ task: 'transcribe', language: 'english', duration, text, segments }),
    );
    return;
  }
  let body = `${text}\n`;
  if (format === 'srt')
    body = `1\n${timestamp(0, ',')} --> ${timestamp(duration, ',')}\n${text}\n\n`;
  if (format === 'vtt')
    body = `WEBVTT\n\n${timestamp(0, '.')} --> ${timestamp(duration, '.')}\n${text}\n\n`;
  response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  response.end(body);
}

export const transcriptionsRoute: OpenAiRoute = {
  method: 'POST',
  path: '/v1/audio/transcriptions',
  handle,
};
