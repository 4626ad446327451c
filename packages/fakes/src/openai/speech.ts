/**
 * @module openai/speech
 * `POST /v1/audio/speech` for the fake OpenAI server. `response_format: "pcm"` answers raw 24 kHz
 * s16le mono, `wav` the same behind a 44-byte header; the body is written in chunks as it is
 * "synthesised" at the profile's `tts` pace (time to first byte, then each chunk after its audio
 * duration × real-time factor), with chunked transfer encoding, as OpenAI streams it.
 *
 * The audio is deterministic so tests can predict it byte for byte ({@link fakeSpeechPcm}):
 * each character of the input becomes {@link SPEECH_MS_PER_CHARACTER} ms of a sine tone whose
 * pitch depends on the character (whitespace is silence), scaled by `speed`.
 *
 * Chunk boundaries are deliberately odd-sized (every other chunk is one byte longer), because a
 * real connection splits samples across reads and adapters must carry the odd byte. A `cut`
 * fault destroys the socket after that many body chunks; `status` and `hang` are applied by the
 * router. Formats the fake cannot encode (mp3, opus, aac, flac) answer 400.
 */
import type { OpenAiRoute, OpenAiRouteContext } from './openai-fake.js';

/** OpenAI's `pcm`: 24 kHz, 16-bit signed little-endian, mono. */
export const SPEECH_SAMPLE_RATE = 24_000;
/** Audio per input character at `speed` 1. */
export const SPEECH_MS_PER_CHARACTER = 60;
/** Audio per body chunk. */
export const SPEECH_CHUNK_MS = 100;
const AMPLITUDE = 8000;
/** Delay between the last chunk sent and a `cut` fault's socket destroy. */
const CUT_GRACE_MS = 30;
const MAX_INPUT_CHARACTERS = 4096;
/** 64 pitches × a few speeds; past this the cache starts again (odd speeds in a long run). */
const MAX_CACHED_TONES = 1_024;

export interface SpeechRequestBody {
  readonly model: string;
  readonly input: string;
  readonly voice: string | { readonly id: string };
  readonly response_format?: string;
  readonly speed?: number;
  readonly instructions?: string;
  readonly stream_format?: string;
}

type BodyCheck =
  | { ok: true; body: SpeechRequestBody }
  | { ok: false; param: string; message: string };

function checkBody(body: unknown): BodyCheck {
  if (!body || typeof body !== 'object')
    return { ok: false, param: 'input', message: 'Expected a JSON body.' };
  const record = body as Record<string, unknown>;
  if (typeof record.model !== 'string' || record.model.length === 0)
    return { ok: false, param: 'model', message: "'model' is a required property." };
  if (typeof record.input !== 'string' || record.input.length === 0)
    return { ok: false, param: 'input', message: "'input' is a required property." };
  if (record.input.length > MAX_INPUT_CHARACTERS)
    return {
      ok: false,
      param: 'input',
      message: `'input' is too long: at most ${MAX_INPUT_CHARACTERS} characters.`,
    };
  const voice = record.voice;
  const voiceOk =
    (typeof voice === 'string' && voice.length > 0) ||
    (typeof voice === 'object' &&
      voice !== null &&
      typeof (voice as { id?: unknown }).id === 'string');
  if (!voiceOk) return { ok: false, param: 'voice', message: "'voice' is a required property." };
  const speed = record.speed;
  if (speed !== undefined && (typeof speed !== 'number' || speed < 0.25 || speed > 4))
    return { ok: false, param: 'speed', message: "'speed' must be between 0.25 and 4.0." };
  if (record.stream_format === 'sse' && record.model.startsWith('tts-1'))
    return {
      ok: false,
      param: 'stream_format',
      message: `'sse' is not supported for ${record.model}.`,
    };
  return { ok: true, body: record as unknown as SpeechRequestBody };
}

/** The tone for one character: pitches spread over 200–1775 Hz so characters differ audibly. */
function characterFrequency(code: number): number {
  return 200 + (code % 64) * 25;
}

/**
 * The exact PCM (24 kHz s16le mono bytes) the fake answers for `input` at `speed`.
 *
 * @example
 * const expected = fakeSpeechPcm('Hello');   // 5 × 60 ms × 48 bytes/ms = 14 400 bytes
 */
export function fakeSpeechPcm(input: string, speed = 1): Uint8Array {
  const samplesPerCharacter = Math.round(
    (SPEECH_SAMPLE_RATE * SPEECH_MS_PER_CHARACTER) / 1000 / speed,
  );
  const characters = [...input];
  const bytes = new Uint8Array(characters.length * samplesPerCharacter * 2);
  let offset = 0;
  for (const character of characters) {
    // Whitespace stays silent: the buffer starts zeroed.
    if (!/\s/.test(character)) {
      const code = character.codePointAt(0) ?? 0;
      bytes.set(characterTone(characterFrequency(code), samplesPerCharacter), offset);
    }
    offset += samplesPerCharacter * 2;
  }
  return bytes;
}

/**
 * One character's tone, computed once per pitch and length: a benchmark's fake synthesises
 * hundreds of replies a second, and `Math.sin` per sample would make the fake, not the gateway
 * under test, the bottleneck. There are 64 pitches, so the cache stays small.
 */
const tones = new Map<string, Uint8Array>();

function characterTone(frequency: number, samples: number): Uint8Array {
  const key = `${frequency}/${samples}`;
  let tone = tones.get(key);
  if (!tone) {
    tone = new Uint8Array(samples * 2);
    const view = new DataView(tone.buffer);
    const step = (2 * Math.PI * frequency) / SPEECH_SAMPLE_RATE;
    for (let n = 0; n < samples; n++)
      view.setInt16(n * 2, Math.round(AMPLITUDE * Math.sin(step * n)), true);
    if (tones.size >= MAX_CACHED_TONES) tones.clear();
    tones.set(key, tone);
  }
  return tone;
}

/** A WAV header with real sizes (the fake knows the length up front). */
export function wavHeader(dataBytes: number, sampleRate = SPEECH_SAMPLE_RATE): Uint8Array {
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) header[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  return header;
}

/**
 * Splits the body into chunks of about `chunkBytes`, every other boundary shifted by one byte so
 * samples straddle chunks.
 */
export function oddChunks(body: Uint8Array, chunkBytes: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (let k = 1; start < body.byteLength; k++) {
    const end = Math.min(body.byteLength, k * chunkBytes + (k % 2));
    chunks.push(body.subarray(start, end));
    start = end;
  }
  return chunks;
}

/** Waits `ms`, or less if the client goes (the listener is removed: one sleep per chunk). */
function pace(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function write(response: OpenAiRouteContext['response'], chunk: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    response.write(chunk, () => resolve());
  });
}

async function handleSpeech(context: OpenAiRouteContext): Promise<void> {
  const { recorded, response, profile, fault, requestId, clientGone } = context;
  const checked = checkBody(recorded.body);
  if (!checked.ok) {
    return context.sendError(400, {
      message: checked.message,
      type: 'invalid_request_error',
      param: checked.param,
      code: null,
    });
  }
  const { body } = checked;
  const format = body.response_format ?? 'mp3';
  if (format !== 'pcm' && format !== 'wav') {
    return context.sendError(400, {
      message: `The fake OpenAI server only produces 'pcm' and 'wav', not '${format}'.`,
      type: 'invalid_request_error',
      param: 'response_format',
      code: null,
    });
  }
  if (body.stream_format === 'sse') {
    return context.sendError(400, {
      message: "The fake OpenAI server only streams raw audio (stream_format 'audio').",
      type: 'invalid_request_error',
      param: 'stream_format',
      code: null,
    });
  }

  const pcm = fakeSpeechPcm(body.input, body.speed ?? 1);
  const audio = format === 'wav' ? concat(wavHeader(pcm.byteLength), pcm) : pcm;
  const chunkBytes = Math.round((SPEECH_SAMPLE_RATE * SPEECH_CHUNK_MS) / 1000) * 2;
  const chunks = oddChunks(audio, chunkBytes);
  const cutAfter = fault?.kind === 'cut' ? fault.afterChunks : Number.POSITIVE_INFINITY;

  await pace(profile.tts.timeToFirstByteMs, clientGone);
  if (clientGone.aborted) return;
  response.writeHead(200, {
    'content-type': format === 'wav' ? 'audio/wav' : 'application/octet-stream',
    'x-request-id': requestId,
  });
  response.flushHeaders();
  if (cutAfter <= 0) return void response.socket?.destroy();
  let sent = 0;
  for (const chunk of chunks) {
    if (sent > 0) {
      // Audio of the chunk just sent, taking its real-time-factor share of wall time.
      await pace(
        (chunk.byteLength / 2 / SPEECH_SAMPLE_RATE) * 1000 * profile.tts.realTimeFactor,
        clientGone,
      );
    }
    if (clientGone.aborted) return;
    await write(response, chunk);
    sent += 1;
    if (sent >= cutAfter) {
      // The drop happens while the next chunk is being made, not in the same packet as the
      // last one: a client must get to read what was sent before it sees the failure.
      await pace(CUT_GRACE_MS, clientGone);
      return void response.socket?.destroy();
    }
  }
  response.end();
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

export const speechRoute: OpenAiRoute = {
  method: 'POST',
  path: '/v1/audio/speech',
  handle: handleSpeech,
};
