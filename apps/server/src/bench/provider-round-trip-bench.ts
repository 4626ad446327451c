/**
 * @module bench/provider-round-trip-bench
 * `npm run bench:providers`: what the provider adapters cost on their own, against the fake
 * providers on the `zero` profile (in a child process, as in the other benchmarks), one request
 * at a time in a quiet process: the LLM's first token, the TTS's first byte, both in series (what
 * a turn that waits for the final transcript must spend before its first audio), and a bare
 * `fetch` to the fake TTS for comparison. It bounds what Atlas's added time can be when it waits
 * for the final: nothing in the gateway comes between these two requests but the first sentence.
 * Prints p50 / p95 in ms; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { MODEL_MAP, PROVIDER_MODELS } from '@atlas/protocol';
import { AnthropicLlm } from '../providers/llm/anthropic-llm.js';
import { OpenAiTts } from '../providers/tts/openai-tts.js';
import { startBenchFakes } from './bench-fakes.js';
import { benchReply } from './bench-reply.js';
import { synthesizeCorpus } from './speech-corpus.js';
import { summarize } from './stats.js';

const ROUNDS = 60;
const WARM_UP = 5;
/** Between requests, as between turns: long enough for the process to go idle. */
const GAP_MS = 300;
/** The model a Studio voice turn asks for. */
const VOICE_MODEL = MODEL_MAP.studio.voice ?? MODEL_MAP.studio.chat;
const FIRST_SENTENCE = benchReply('what time is it').split('. ')[0] ?? 'Sure thing';

const corpusDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-bench-speech-'));
await synthesizeCorpus(corpusDir);
const fakes = await startBenchFakes('zero', corpusDir);
try {
  const env = fakes.ready;
  const llm = new AnthropicLlm({
    apiKey: env.ANTHROPIC_API_KEY ?? '',
    baseURL: env.ANTHROPIC_BASE_URL,
  });
  const tts = new OpenAiTts({
    apiKey: env.OPENAI_API_KEY ?? '',
    baseURL: env.OPENAI_BASE_URL,
    model: PROVIDER_MODELS.openaiTts,
  });

  const llmFirstToken = async (): Promise<number> => {
    const started = performance.now();
    let first = Number.NaN;
    const signal = new AbortController().signal;
    const messages = [{ role: 'user' as const, content: 'what time is it' }];
    for await (const chunk of llm.stream({
      model: VOICE_MODEL,
      system: '',
      messages,
      signal,
    }))
      if (chunk.type === 'delta' && Number.isNaN(first)) first = performance.now() - started;
    return first;
  };
  const ttsFirstByte = async (): Promise<number> => {
    const started = performance.now();
    let first = Number.NaN;
    const signal = new AbortController().signal;
    for await (const _ of tts.synthesize({ text: `${FIRST_SENTENCE}.`, signal }))
      if (Number.isNaN(first)) first = performance.now() - started;
    return first;
  };
  const bareFetch = async (): Promise<number> => {
    const started = performance.now();
    const response = await fetch(`${env.OPENAI_BASE_URL}/audio/speech`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${env.OPENAI_API_KEY}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: PROVIDER_MODELS.openaiTts,
        input: `${FIRST_SENTENCE}.`,
        voice: PROVIDER_MODELS.openaiTtsVoice,
        response_format: 'pcm',
      }),
    });
    const reader = response.body?.getReader();
    await reader?.read();
    const first = performance.now() - started;
    while (reader && !(await reader.read()).done);
    return first;
  };
  const inSeries = async (): Promise<number> => {
    const started = performance.now();
    await llmFirstToken();
    await ttsFirstByte();
    return performance.now() - started;
  };

  // A report on stdout, like the other benchmarks' tables (the logger is for the server's events).
  process.stdout.write(
    `provider round trips against the fakes (zero profile), ${ROUNDS} each, ${GAP_MS} ms apart, Node ${process.version}\n`,
  );
  for (const [name, measure] of [
    ['bare fetch, first byte', bareFetch],
    ['LLM (Anthropic SDK), first token', llmFirstToken],
    ['TTS (OpenAI SDK), first byte', ttsFirstByte],
    ['LLM first token, then TTS first byte', inSeries],
  ] as const) {
    const samples: number[] = [];
    for (let round = 0; round < WARM_UP + ROUNDS; round++) {
      const ms = await measure();
      if (round >= WARM_UP) samples.push(ms);
      await sleep(GAP_MS);
    }
    const { p50, p95 } = summarize(samples);
    process.stdout.write(
      `${name.padEnd(40)} p50 ${p50?.toFixed(2)} ms  p95 ${p95?.toFixed(2)} ms\n`,
    );
  }
} finally {
  await fakes.stop();
  rmSync(corpusDir, { recursive: true, force: true });
}
