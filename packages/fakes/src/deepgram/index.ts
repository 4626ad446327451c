/**
 * @module deepgram
 * The Deepgram fake: live and pre-recorded `/v1/listen`, and what it can hear.
 */
export {
  type CodedSpeechOptions,
  CodedSpeechRecognizer,
  codedSpeech,
  type FrameOptions,
  silence,
  toneFrame,
} from './coded-speech.js';
export {
  type ConnectionClose,
  type DeepgramFake,
  type DeepgramFakeOptions,
  FakeListenConnection,
  type FakePrerecordedRequest,
  startDeepgramFake,
} from './deepgram-fake.js';
export { LiveTranscriber, type LiveTranscriberConfig } from './live-transcriber.js';
export type {
  DeepgramAlternative,
  DeepgramLiveMessage,
  DeepgramWord,
  MetadataMessage,
  ResultsMessage,
  SpeechStartedMessage,
  UtteranceEndMessage,
} from './messages.js';
export {
  DEFAULT_SPEECH_THRESHOLD,
  pcmDurationMs,
  type Recognizer,
  type RecognizerHypothesis,
  type RecognizerStream,
  rmsLevel,
  ScriptRecognizer,
  type ScriptRecognizerOptions,
} from './recognizer.js';
export {
  type DecodedAudio,
  decodeAudio,
  encodeWav,
  type FileTranscript,
  type TranscribeFileOptions,
  transcribeFile,
} from './transcribe-file.js';
