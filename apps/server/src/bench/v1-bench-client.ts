/**
 * @module bench/v1-bench-client
 * The V1 (batch) voice path as a client runs it: when the user stops talking, upload the whole
 * recording to `/v1/voice/transcribe`, send the transcript as a chat message and read the
 * streamed reply (SSE), then ask `/v1/voice/speak` for the whole reply's audio. Timed from the
 * end of speech, like V2; there are no partial transcripts.
 */
import { encodeWav } from '../voice-v1/wav.js';
import type { Utterance } from './speech-corpus.js';
import { normalizeWords, type TurnTiming } from './turn-timing.js';
import { BENCH_SAMPLE_RATE, joinFrames } from './wav-audio.js';

export class V1BenchClient {
  readonly #baseUrl: string;
  readonly #token: string;
  #conversationId: string | undefined;

  constructor(baseUrl: string, token: string) {
    this.#baseUrl = baseUrl;
    this.#token = token;
  }

  async runTurn(utterance: Utterance): Promise<TurnTiming> {
    const conversationId = await this.#conversation();
    // The recording ends with the speech: the user stops it as they stop talking.
    const recording = encodeWav(
      joinFrames(utterance.frames.slice(0, utterance.speech.last + 1)),
      BENCH_SAMPLE_RATE,
    );
    const speechEndAt = performance.now();
    const since = (at: number | undefined) => (at === undefined ? null : at - speechEndAt);
    const timing = {
      mode: 'v1' as const,
      utterance: utterance.text,
      firstPartialMs: null,
      serverE2eMs: null,
      serverLlmTtftMs: null,
      serverTtsTtfbMs: null,
      speculative: null,
    };
    let finalAt: number | undefined;
    let firstTextAt: number | undefined;
    let firstAudioAt: number | undefined;
    let text = '';
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
    } catch (error) {
      return {
        ...timing,
        finalMs: since(finalAt),
        firstTextMs: since(firstTextAt),
        firstAudioMs: since(firstAudioAt),
        heardRight: normalizeWords(text) === normalizeWords(utterance.text),
        error: (error as Error).message,
      };
    }
    return {
      ...timing,
      finalMs: since(finalAt),
      firstTextMs: since(firstTextAt),
      firstAudioMs: since(firstAudioAt),
      heardRight: normalizeWords(text) === normalizeWords(utterance.text),
    };
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
