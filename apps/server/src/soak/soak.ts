/**
 * @module soak/soak
 * `npm run soak`: one Atlas process (forked, see `atlas-child.ts`) against zero-latency fake
 * Deepgram/Anthropic/OpenAI servers, churned by `concurrency` callers for `minutes`; memory,
 * handles and event-loop delay are sampled every `sampleSeconds` and the report says whether
 * they stayed flat. Exit status: 0 flat, 1 not flat, 2 bad arguments or a failed start.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CodedSpeechRecognizer,
  type LatencyProfile,
  startAnthropicFake,
  startDeepgramFake,
  startOpenAiFake,
  ZERO_PROFILE,
} from '@atlas/fakes';
import { SignJWT } from 'jose';
import { AtlasProcess } from './atlas-process.js';
import { BARGE_IN_PROMPT, churn, newChurnStats, SOAK_VOCABULARY } from './churn.js';
import { parseSoakArgs, SOAK_USAGE, type SoakOptions, SoakUsageError } from './soak-args.js';
import { buildSoakReport, formatSoakReport, type TimedSample } from './soak-report.js';

/**
 * The `zero` profile, except that the LLM streams 100 tokens a second: with every reply arriving
 * at once there would be nothing left to interrupt. Short replies still take a few ms.
 */
const SOAK_PROFILE: LatencyProfile = {
  ...ZERO_PROFILE,
  name: 'zero-paced-llm',
  llm: { timeToFirstTokenMs: 0, tokensPerSecond: 100 },
};

/** A reply long enough (many sentences of speech) that the barge-in lands while it plays. */
const LONG_REPLY = Array.from(
  { length: 12 },
  (_, i) => `This is sentence number ${i + 1} of a long story about the sea.`,
).join(' ');

function signToken(secret: string, userId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setAudience('authenticated')
    .setIssuedAt(now)
    .setExpirationTime(now + 24 * 3600)
    .sign(new TextEncoder().encode(secret));
}

async function runSoak(options: SoakOptions): Promise<boolean> {
  // The fake Anthropic's paced sleeps each add an abort listener to the request's signal and
  // keep it until the request ends: harmless (per request), but a long reply passes Node's
  // default of 10 and would print a leak warning about the fake, not about Atlas.
  setMaxListeners(1_000);
  const log = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  // Ctrl-C: stop churning, still report what was measured, and clean up (Atlas, temp dir).
  const stop = new AbortController();
  process.once('SIGINT', () => {
    log('stopping early: finishing the current cycles');
    stop.abort();
  });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-soak-'));
  const secret = randomBytes(32).toString('hex');
  const deepgram = await startDeepgramFake({
    profile: ZERO_PROFILE,
    recognizer: new CodedSpeechRecognizer(SOAK_VOCABULARY),
  });
  const anthropic = await startAnthropicFake({
    profile: SOAK_PROFILE,
    reply: (body) =>
      JSON.stringify(body.messages.at(-1)).includes(BARGE_IN_PROMPT) ? LONG_REPLY : 'It is sunny.',
  });
  const openai = await startOpenAiFake({ profile: ZERO_PROFILE });
  let atlas: AtlasProcess | undefined;
  try {
    atlas = await AtlasProcess.start({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      ATLAS_DATA_DIR: dataDir,
      ATLAS_JWT_SECRET: secret,
      DEEPGRAM_API_KEY: 'soak-deepgram',
      DEEPGRAM_BASE_URL: deepgram.url,
      ANTHROPIC_API_KEY: 'soak-anthropic',
      ANTHROPIC_BASE_URL: anthropic.url,
      OPENAI_API_KEY: 'soak-openai',
      OPENAI_BASE_URL: openai.baseURL,
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    });
    const userIds = await atlas.createUsers(options.concurrency);
    const tokens = await Promise.all(userIds.map((id) => signToken(secret, id)));
    log(`Atlas at ${atlas.url}; ${options.concurrency} callers for ${options.minutes} min`);

    const stats = newChurnStats();
    const started = Date.now();
    const deadline = started + options.minutes * 60_000;
    const running = churn(
      {
        wsUrl: `${atlas.url.replace(/^http/, 'ws')}/v2/voice`,
        tokens,
        deadline,
        stop: stop.signal,
      },
      stats,
    );
    const samples: TimedSample[] = [];
    const measured = atlas;
    const takeSample = async () => {
      const sample = { ...(await measured.sample()), minutes: (Date.now() - started) / 60_000 };
      samples.push(sample);
      log(
        `${sample.minutes.toFixed(2)} min: rss ${(sample.rssBytes / 2 ** 20).toFixed(1)} MiB, ` +
          `heap ${(sample.heapUsedBytes / 2 ** 20).toFixed(1)} MiB, ` +
          (sample.dbWorker
            ? `db worker heap ${(sample.dbWorker.heapUsedBytes / 2 ** 20).toFixed(1)} MiB, `
            : '') +
          `${sample.activeResources} handles, ` +
          `loop p99 ${sample.loopDelayP99Ms.toFixed(1)} ms, ${sample.sessions} sessions, ${stats.cycles} cycles, ` +
          `atlas cpu ${Math.round(sample.cpuCores * 100)} %, load ${sample.loadAverage.toFixed(1)}`,
      );
    };
    const sampler = setInterval(
      () => void takeSample().catch(() => {}),
      options.sampleSeconds * 1000,
    );
    await running;
    clearInterval(sampler);

    const report = buildSoakReport({
      minutes: options.minutes,
      concurrency: options.concurrency,
      churn: stats,
      samples,
    });
    process.stdout.write(
      options.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${formatSoakReport(report)}\n`,
    );
    return report.flat;
  } finally {
    await atlas?.stop();
    await Promise.all([deepgram.close(), anthropic.close(), openai.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  let options: SoakOptions;
  try {
    options = parseSoakArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof SoakUsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${SOAK_USAGE}\n`);
    process.exit(2);
  }
  try {
    process.exitCode = (await runSoak(options)) ? 0 : 1;
  } catch (error) {
    process.stderr.write(
      `soak failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 2;
  }
}

void main();
