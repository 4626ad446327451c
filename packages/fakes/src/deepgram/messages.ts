/**
 * @module deepgram/messages
 * The JSON messages Deepgram's `/v1/listen` sends, built with the exact field names of the
 * v1 API (see shared/reference/provider-protocols.md §1.4 and §1.7). Times are seconds.
 */
import { randomUUID } from 'node:crypto';

export const FAKE_MODEL_INFO = {
  name: 'general-nova-3',
  version: '2025-05-17.21557',
  arch: 'nova-3',
} as const;
export const FAKE_MODEL_UUID = '40bd3654-e622-47c4-a111-63a61b23bfe8';

export interface DeepgramWord {
  word: string;
  start: number;
  end: number;
  confidence: number;
  punctuated_word?: string;
}

export interface DeepgramAlternative {
  transcript: string;
  confidence: number;
  words: DeepgramWord[];
}

export interface ResultsMessage {
  type: 'Results';
  channel_index: [number, number];
  duration: number;
  start: number;
  is_final: boolean;
  speech_final: boolean;
  from_finalize: boolean;
  channel: { alternatives: DeepgramAlternative[] };
  metadata: {
    request_id: string;
    model_info: typeof FAKE_MODEL_INFO;
    model_uuid: string;
  };
}

export interface SpeechStartedMessage {
  type: 'SpeechStarted';
  channel: number[];
  timestamp: number;
}

export interface UtteranceEndMessage {
  type: 'UtteranceEnd';
  channel: number[];
  last_word_end: number;
}

export interface MetadataMessage {
  type: 'Metadata';
  transaction_key: 'deprecated';
  request_id: string;
  sha256: string;
  created: string;
  duration: number;
  channels: number;
}

export type DeepgramLiveMessage =
  | ResultsMessage
  | SpeechStartedMessage
  | UtteranceEndMessage
  | MetadataMessage;

/** Rounds to Deepgram's usual millisecond precision. */
export const seconds = (ms: number): number => Math.round(ms) / 1000;

/**
 * Words of `text` spread evenly over [startMs, endMs]. Without punctuation the transcript is
 * lower case with no punctuation, as Deepgram returns it; with it, the text is kept as written.
 */
export function alternative(
  text: string,
  confidence: number,
  startMs: number,
  endMs: number,
  punctuate: boolean,
): DeepgramAlternative {
  const tokens = text.split(/\s+/).filter(Boolean);
  const step = tokens.length > 0 ? Math.max(0, endMs - startMs) / tokens.length : 0;
  const words = tokens.map((token, i) => {
    const word: DeepgramWord = {
      word: bareWord(token),
      start: seconds(startMs + i * step),
      end: seconds(startMs + (i + 1) * step),
      confidence,
    };
    if (punctuate) word.punctuated_word = token;
    return word;
  });
  const transcript = punctuate ? tokens.join(' ') : words.map((word) => word.word).join(' ');
  return { transcript, confidence: tokens.length > 0 ? confidence : 0, words };
}

function bareWord(token: string): string {
  return token.toLowerCase().replace(/[^\p{L}\p{N}'-]/gu, '') || token.toLowerCase();
}

export function resultsMessage(fields: {
  requestId: string;
  startMs: number;
  endMs: number;
  isFinal: boolean;
  speechFinal: boolean;
  fromFinalize: boolean;
  alternative: DeepgramAlternative;
}): ResultsMessage {
  return {
    type: 'Results',
    channel_index: [0, 1],
    duration: seconds(fields.endMs - fields.startMs),
    start: seconds(fields.startMs),
    is_final: fields.isFinal,
    speech_final: fields.speechFinal,
    from_finalize: fields.fromFinalize,
    channel: { alternatives: [fields.alternative] },
    metadata: {
      request_id: fields.requestId,
      model_info: FAKE_MODEL_INFO,
      model_uuid: FAKE_MODEL_UUID,
    },
  };
}

export function metadataMessage(
  requestId: string,
  durationMs: number,
  channels: number,
): MetadataMessage {
  return {
    type: 'Metadata',
    transaction_key: 'deprecated',
    request_id: requestId,
    // The hash of empty input: the fake does not hash the audio it received.
    sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    created: new Date().toISOString(),
    duration: seconds(durationMs),
    channels,
  };
}

/** Body of a pre-recorded `POST /v1/listen` answer. */
export function prerecordedResponse(
  requestId: string,
  durationMs: number,
  channels: number,
  alt: DeepgramAlternative,
) {
  return {
    metadata: {
      transaction_key: 'deprecated',
      request_id: requestId,
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      created: new Date().toISOString(),
      duration: seconds(durationMs),
      channels,
      models: [FAKE_MODEL_UUID],
      model_info: { [FAKE_MODEL_UUID]: FAKE_MODEL_INFO },
    },
    results: { channels: [{ alternatives: [alt] }] },
  };
}

/** Deepgram's REST/handshake error body. */
export function errorBody(errCode: string, errMsg: string, requestId: string = randomUUID()) {
  return { err_code: errCode, err_msg: errMsg, request_id: requestId };
}
