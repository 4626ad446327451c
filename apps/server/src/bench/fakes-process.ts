/**
 * @module bench/fakes-process
 * Child process: the fake Deepgram, Anthropic and OpenAI servers on a latency profile, hearing
 * the benchmark's speech (see known-speech-recognizer.ts) and answering with `benchReply`.
 * Started by `startBenchFakes`; prints nothing, reports the environment that points Atlas at it.
 *
 * Args: `--profile <name> --corpus <dir>`, optionally `--cpu-prof <dir>` (a CPU profile per
 * measurement window). Answers `sample` requests like a measured child (process-sampler.ts), so
 * a benchmark can tell when the fakes, not Atlas, are what is saturated.
 */
import {
  type AnthropicMessagesBody,
  echoAnthropicReply,
  profileNamed,
  startAnthropicFake,
  startDeepgramFake,
  startOpenAiFake,
} from '@atlas/fakes';
import { benchReply } from './bench-reply.js';
import { childArgs, childReady, untilStopped } from './child-process.js';
import { KnownSpeechRecognizer } from './known-speech-recognizer.js';
import { answerSamples, ProcessSampler } from './process-sampler.js';
import { loadCorpus } from './speech-corpus.js';
import { WindowProfiler } from './window-profiler.js';

/** The fakes record every request and message for tests; a long benchmark must not keep them. */
const FORGET_EVERY_MS = 2_000;

// The fakes' pacing sleeps leave an abort listener per streamed piece on the request's signal
// until it ends (harmless, bounded by the reply); Node's warning about it is noise here.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'MaxListenersExceededWarning') console.warn(warning);
});

const args = childArgs(process.argv.slice(2));
const sampler = new ProcessSampler();
const profileDir = args.get('cpu-prof');
answerSamples(sampler, profileDir ? new WindowProfiler(profileDir, 'fakes') : undefined);
const profile = profileNamed(args.get('profile') ?? 'zero');
const corpus = await loadCorpus(args.get('corpus') ?? '.');
const recognizer = new KnownSpeechRecognizer(corpus);
const userText = (body: AnthropicMessagesBody) =>
  echoAnthropicReply(body).replace(/^You said: /, '');

const deepgram = await startDeepgramFake({ profile, recognizer, idleTimeoutMs: 60_000 });
const anthropic = await startAnthropicFake({
  profile,
  reply: (body) => benchReply(userText(body)),
});
const openai = await startOpenAiFake({ profile });

const forget = setInterval(() => {
  const connections = deepgram.connections as FakeConnectionList;
  for (const connection of connections) connection.sent.length = 0;
  const open = connections.filter((connection) => connection.closed === undefined);
  connections.splice(0, connections.length, ...open);
  anthropic.requests.length = 0;
  openai.requests.length = 0;
}, FORGET_EVERY_MS);

type FakeConnectionList = Array<(typeof deepgram.connections)[number]>;

childReady({
  DEEPGRAM_API_KEY: 'bench-deepgram-key',
  DEEPGRAM_BASE_URL: deepgram.url,
  ANTHROPIC_API_KEY: 'bench-anthropic-key',
  ANTHROPIC_BASE_URL: anthropic.url,
  OPENAI_API_KEY: 'bench-openai-key',
  OPENAI_BASE_URL: openai.baseURL,
});
process.on('message', (message: unknown) => {
  if ((message as { type?: string }).type === 'stats') {
    process.send?.({ type: 'stats', unknownSegments: recognizer.unknownSegments });
  }
});
await untilStopped();
sampler.stop();
clearInterval(forget);
await Promise.allSettled([deepgram.close(), anthropic.close(), openai.close()]);
process.exit(0);
