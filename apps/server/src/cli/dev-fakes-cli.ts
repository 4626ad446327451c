/**
 * @module cli/dev-fakes-cli
 * `npm run dev:fakes`: runs the fake Deepgram, Anthropic and OpenAI servers on fixed local ports
 * with a latency profile, and prints the environment that points Atlas at them. The fake
 * Deepgram hears through PocketSphinx when it is installed (real speech in, real words out).
 */
import {
  PROFILES,
  profileNamed,
  startAnthropicFake,
  startDeepgramFake,
  startOpenAiFake,
} from '@atlas/fakes';
import {
  createPocketSphinxRecognizer,
  pocketSphinxAvailability,
} from '../providers/stt/pocketsphinx/index.js';
import { type CliIo, UsageError } from './cli-io.js';

export const DEV_FAKES_USAGE = `usage: npm run dev:fakes -- [--profile ${Object.keys(PROFILES).join('|')}] [--port <first port>]

Starts fake Deepgram (port), Anthropic (port+1) and OpenAI (port+2) servers. Defaults:
--profile realistic --port 8801. Paste the printed variables before \`npm start\`.`;

export interface DevFakesOptions {
  profile: string;
  /** Deepgram on this port, Anthropic on +1, OpenAI on +2; 0 = any free ports. */
  port: number;
}

export function parseDevFakesArgs(argv: readonly string[]): DevFakesOptions {
  const options: DevFakesOptions = { profile: 'realistic', port: 8801 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--profile' && value) {
      options.profile = value;
      i++;
    } else if (arg === '--port' && value && /^\d+$/.test(value) && Number(value) < 65_533) {
      options.port = Number(value);
      i++;
    } else {
      throw new UsageError(`unexpected argument: ${arg}`);
    }
  }
  profileNamed(options.profile); // throws with the known names
  return options;
}

export interface RunningDevFakes {
  /** `NAME=value` lines that point Atlas at the fakes. */
  env: Record<string, string>;
  hearing: 'pocketsphinx' | 'script';
  close(): Promise<void>;
}

export async function startDevFakes(options: DevFakesOptions): Promise<RunningDevFakes> {
  const profile = profileNamed(options.profile);
  const port = (offset: number) => (options.port === 0 ? 0 : options.port + offset);
  const sphinx = pocketSphinxAvailability();
  const recognizer = sphinx.available ? createPocketSphinxRecognizer() : undefined;
  recognizer?.warmUp();
  const running: Array<{ close(): Promise<void> }> = [];
  try {
    const deepgram = await startDeepgramFake({
      port: port(0),
      profile,
      ...(recognizer ? { recognizer } : {}),
    });
    running.push(deepgram);
    const anthropic = await startAnthropicFake({ profile }, port(1));
    running.push(anthropic);
    const openai = await startOpenAiFake({ profile }, port(2));
    running.push(openai);
    return {
      env: {
        DEEPGRAM_API_KEY: 'fake-deepgram-key',
        DEEPGRAM_BASE_URL: deepgram.url,
        ANTHROPIC_API_KEY: 'fake-anthropic-key',
        ANTHROPIC_BASE_URL: anthropic.url,
        OPENAI_API_KEY: 'fake-openai-key',
        OPENAI_BASE_URL: openai.baseURL,
      },
      hearing: recognizer ? 'pocketsphinx' : 'script',
      close: async () => {
        for (const fake of running) await fake.close();
        recognizer?.close();
      },
    };
  } catch (error) {
    for (const fake of running) await fake.close();
    recognizer?.close();
    throw error;
  }
}

export function describeDevFakes(fakes: RunningDevFakes, profile: string, io: CliIo): void {
  io.out(`Fake providers running (latency profile: ${profile}). Point Atlas at them with:\n`);
  io.out(
    Object.entries(fakes.env)
      .map(([name, value]) => `${name}=${value}`)
      .join(' \\\n  '),
  );
  io.out(
    fakes.hearing === 'pocketsphinx'
      ? '\nThe fake Deepgram hears through PocketSphinx.'
      : '\nPocketSphinx is not installed: the fake Deepgram hears nothing (install libpocketsphinx3 pocketsphinx-en-us).',
  );
}
