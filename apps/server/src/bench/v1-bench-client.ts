/**
 * @module bench/v1-bench-client
 * The V1 (batch) voice path as the web app runs it: the turn ends after
 * `VOICE_DEFAULTS.v1TurnEndSilenceMs` of silence, then the whole recording (with that silence,
 * as the app's recorder keeps it) goes to `/v1/voice/transcribe`, the transcript is sent as a
 * chat message and the streamed reply (SSE) read, then `/v1/voice/speak` gives the whole reply's
 * audio. Each turn is timed twice: from the end of speech (`v1`, hands-free, like V2) and from
 * the upload (`v1-button`: the same turn had the user pressed "Done speaking" as the speech
 * ended). There are no partial transcripts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { VOICE_DEFAULTS } from '@atlas/protocol';
import { encodeWav } from '../voice-v1/wav.js';
import type { Utterance } from './speech-corpus.js';
import { normalizeWords, type TurnTiming } from './turn-timing.js';
import { BENCH_SAMPLE_RATE, FRAME_MS, joinFrames } from './wav-audio.js';

/** The utterance as the web app's recorder uploads it: to the end of the silence that ended it. */
export function handsFreeRecording(utterance: Utterance, silenceMs: number): Uint8Array {
  const frames = utterance.frames.slice(0, utterance.speech.last + 1);
  const silentFrames = Math.ceil(silenceMs / FRAME_MS);
  const frameBytes = utterance.frames[0]?.byteLength ?? 0;
  for (let index = 1; index <= silentFrames; index++) {
    frames.push(utterance.frames[utterance.speech.last + index] ?? new Uint8Array(frameBytes));
  }
  return joinFrames(frames);
}

export class V1BenchClient {
  readonly #baseUrl: string;
  readonly #token: string;
  #conversationId: string | undefined;

  constructor(baseUrl: string, token: string) {
    this.#baseUrl = baseUrl;
    this.#token = token;
  }

  /** The turn timed hands-free (`v1`) and from the upload (`v1-button`). */
  async runTurn(utterance: Utterance): Promise<[TurnTiming, TurnTiming]> {
    const conversationId = await this.#conversation();
    const silenceMs = VOICE_DEFAULTS.v1TurnEndSilenceMs;
    const recording = encodeWav(handsFreeRecording(utterance, silenceMs), BENCH_SAMPLE_RATE);
    const speechEndAt = performance.now();
    // The recorder's silence frames arrive in real time; the turn ends with the last of them.
    await sleep(silenceMs);
    const uploadAt = performance.now();
    let finalAt: number | undefined;
    let firstTextAt: number | undefined;
    let firstAudioAt: number | undefined;
    let text = '';
    let error: string | undefined;
    try {
      const form = new FormData();
      form.append('audio', new Blob([recording], { type: 'audio/wav' }), 'utterance.wav');
      const transcript = (await this.#json('/v1/voice/transcribe', {
        method: 'POST',
        body: form,
      })) as {
        text: string;
      };
      finalAt = performance.now();
      text = transcript.text;
      const reply = await this.#fetch(`/v1/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content: text }),
      });
      let replyText = '';
      for await (const event of sseEvents(reply)) {
        if (event.event === 'delta') {
          firstTextAt ??= performance.now();
          replyText += (JSON.parse(event.data) as { text: string }).text;
        } else if (event.event === 'error') {
          throw new Error(`chat reply failed: ${event.data}`);
        }
      }
      const speech = await this.#fetch('/v1/voice/speak', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: replyText }),
      });
      const reader = speech.body?.getReader();
      if (!reader) throw new Error('speak returned no body');
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        if (chunk.value.byteLength > 0) firstAudioAt ??= performance.now();
      }
    } catch (caught) {
      error = (caught as Error).message;
    }
    const timed = (mode: 'v1' | 'v1-button', from: number): TurnTiming => {
      const since = (at: number | undefined) => (at === undefined ? null : at - from);
      return {
        mode,
        utterance: utterance.text,
        firstPartialMs: null,
        finalMs: since(finalAt),
        firstTextMs: since(firstTextAt),
        firstAudioMs: since(firstAudioAt),
        serverE2eMs: null,
        serverLlmTtftMs: null,
        serverTtsTtfbMs: null,
        speculative: null,
        heardRight: normalizeWords(text) === normalizeWords(utterance.text),
        ...(error === undefined ? {} : { error }),
      };
    };
    return [timed('v1', speechEndAt), timed('v1-button', uploadAt)];
  }

  async #conversation(): Promise<string> {
    if (this.#conversationId) return this.#conversationId;
    const created = (await this.#json('/v1/conversations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'V1 benchmark' }),
    })) as { conversation: { id: string } };
    this.#conversationId = created.conversation.id;
    return created.conversation.id;
  }

  async #fetch(path: string, init: RequestInit): Promise<Response> {
    const response = await fetch(`${this.#baseUrl}${path}`, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        authorization: `Bearer ${this.#token}`,
      },
    });
    if (!response.ok) {
      throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    }
    return response;
  }

  async #json(path: string, init: RequestInit): Promise<unknown> {
    return (await this.#fetch(path, init)).json();
  }
}

export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/** Server-sent events of a response body, as they arrive. */
export async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
  const reader = response.body?.getReader();
  if (!reader) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    yield* takeSseEvents(buffer, (rest) => {
      buffer = rest;
    });
  }
}

/** Complete events in `buffer` (blocks ending in a blank line); the rest is handed back. */
export function* takeSseEvents(buffer: string, keep: (rest: string) => void): Generator<SseEvent> {
  const blocks = buffer.split('\n\n');
  keep(blocks.pop() ?? '');
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0) yield { event, data: data.join('\n') };
  }
}
