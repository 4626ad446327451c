/**
 * @module providers/tts/espeak-tts
 * Offline text-to-speech with the `espeak-ng` command (Debian package `espeak-ng`): robotic, but
 * instant and with no network or key, so Atlas speaks out of the box.
 *
 * The process is spawned without a shell and reads the text on stdin (`--stdin`), so no text
 * can become an option or a shell word. Its WAV on stdout is read as it arrives (placeholder
 * sizes and all, see `wav-reader.ts`) and resampled from espeak's rate (22 050 Hz) to the
 * target rate, 24 kHz by default, the rate OpenAI's `pcm` uses: clients always get one rate
 * whichever TTS answered. Aborting kills the process.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ProviderError } from '../provider-error.js';
import { PcmResampler, samplesToBytes } from './pcm-resampler.js';
import type { TtsCapabilities, TtsProvider, TtsRequest } from './tts.js';
import { WavStreamReader } from './wav-reader.js';

/** What `/health` shows about an offline engine. */
export interface OfflineAvailability {
  readonly available: boolean;
  /** Where it was found, or what to install. */
  readonly detail: string;
}

export interface EspeakTtsOptions {
  /** Command name (looked up in PATH) or absolute path. Default `espeak-ng`. */
  binary?: string;
  /** espeak voice used when the request names none, or one this provider does not know. */
  voice?: string;
  /**
   * Request voice → espeak voice. Defaults map OpenAI's voice names, so a client's voice setting
   * keeps meaning something offline. Only voices listed here (or the default) reach espeak: an
   * unknown voice name makes espeak-ng 1.51 crash.
   */
  voices?: Readonly<Record<string, string>>;
  /** Speaking rate, words per minute (espeak default 175). */
  wordsPerMinute?: number;
  /** Output sample rate. Default 24 000 (OpenAI's `pcm`). */
  sampleRate?: number;
  /** Environment for the child (tests); default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** OpenAI voices → espeak variants of similar register (`+f*` female, `+m*` male). */
export const DEFAULT_ESPEAK_VOICES: Readonly<Record<string, string>> = {
  alloy: 'en-us',
  ash: 'en-us+m3',
  ballad: 'en-gb+m3',
  coral: 'en-us+f3',
  echo: 'en-us+m2',
  fable: 'en-gb',
  nova: 'en-us+f2',
  onyx: 'en-us+m7',
  sage: 'en-us+f4',
  shimmer: 'en-us+f5',
  verse: 'en-us+m4',
  marin: 'en-us+f1',
  cedar: 'en-us+m1',
};

const MAX_STDERR_BYTES = 4096;

/** Resolves a command to an executable path the way `spawn` would, or undefined. */
export function findExecutable(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const candidates = isAbsolute(command)
    ? [command]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; next directory
    }
  }
  return undefined;
}

/**
 * @example
 * const tts = new EspeakTts();             // 24 kHz PCM16
 * for await (const chunk of tts.synthesize({ text: 'Hello.', signal })) play(chunk);
 */
export class EspeakTts implements TtsProvider {
  readonly name = 'espeak';
  readonly capabilities: TtsCapabilities;
  readonly #binary: string;
  readonly #voice: string;
  readonly #voices: Readonly<Record<string, string>>;
  readonly #wordsPerMinute: number;
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: EspeakTtsOptions = {}) {
    this.#binary = options.binary ?? 'espeak-ng';
    this.#voice = options.voice ?? 'en-us';
    this.#voices = options.voices ?? DEFAULT_ESPEAK_VOICES;
    this.#wordsPerMinute = options.wordsPerMinute ?? 175;
    this.#env = options.env ?? process.env;
    this.capabilities = { sampleRate: options.sampleRate ?? 24_000, streaming: true };
  }

  /** Whether the `espeak-ng` binary is installed (for `/health` and provider selection). */
  static available(
    binary = 'espeak-ng',
    env: NodeJS.ProcessEnv = process.env,
  ): OfflineAvailability {
    const path = findExecutable(binary, env);
    return path
      ? { available: true, detail: path }
      : { available: false, detail: `${binary} not found: install the Debian package espeak-ng` };
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Uint8Array> {
    const { signal } = request;
    if (signal.aborted || request.text.trim().length === 0) return;
    const voice = (request.voice && this.#voices[request.voice]) ?? this.#voice;
    const child = this.#spawn(voice);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, killSignal) => resolve({ code, signal: killSignal })),
    );
    // A failed start ('error', e.g. ENOENT) is always followed by 'close'.
    let startError: Error | undefined;
    child.once('error', (error) => {
      startError = error;
    });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => {
      if (stderr.length < MAX_STDERR_BYTES) stderr += data.toString('utf8');
    });
    // Writing to a process that died early raises EPIPE here; the exit status reports it.
    child.stdin.on('error', () => {});
    child.stdin.end(request.text, 'utf8');
    const kill = () => child.kill('SIGKILL');
    signal.addEventListener('abort', kill, { once: true });

    const reader = new WavStreamReader();
    let resampler: PcmResampler | undefined;
    try {
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        // Output already piped before the kill must not reach a caller that has moved on.
        if (signal.aborted) return;
        const samples = reader.push(chunk);
        const format = reader.format;
        if (!format || samples.length === 0) continue;
        if (format.channels !== 1)
          throw this.#error(`espeak-ng produced ${format.channels} channels`);
        resampler ??= new PcmResampler(format.sampleRate, this.capabilities.sampleRate);
        const out = resampler.push(samples);
        if (out.length > 0) yield samplesToBytes(out);
      }
      const status = await exited;
      if (signal.aborted) return;
      if (startError) throw this.#spawnFailure(startError);
      if (status.code !== 0) {
        throw this.#error(
          `espeak-ng exited with ${status.code ?? status.signal}${stderr ? `: ${stderr.trim()}` : ''}`,
        );
      }
      const tail = resampler?.flush();
      if (tail && tail.length > 0) yield samplesToBytes(tail);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ProviderError) throw error;
      throw this.#error(`espeak-ng output unreadable: ${String(error)}`, error);
    } finally {
      signal.removeEventListener('abort', kill);
      // The consumer may stop early (break, abort): never leave the process running.
      if (child.exitCode === null && child.signalCode === null) kill();
    }
  }

  #spawn(voice: string): ChildProcessByStdio<Writable, Readable, Readable> {
    // No shell: every argument reaches espeak as is, and the text never appears in argv.
    return spawn(
      this.#binary,
      ['--stdout', '--stdin', '-b', '1', '-v', voice, '-s', String(this.#wordsPerMinute)],
      { stdio: ['pipe', 'pipe', 'pipe'], env: this.#env },
    );
  }

  #spawnFailure(error: Error): ProviderError {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return this.#error(
      missing
        ? `${this.#binary} not found: install the Debian package espeak-ng`
        : `espeak-ng failed to start: ${error.message}`,
      error,
    );
  }

  #error(message: string, cause?: unknown): ProviderError {
    return new ProviderError(message, {
      provider: this.name,
      capability: 'tts',
      retryable: false,
      cause,
    });
  }
}
