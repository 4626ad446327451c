/**
 * @module providers/stt/fallback-stt
 * Speech recognition with a failover chain (e.g. Deepgram → PocketSphinx). A stream opens on the
 * first provider that accepts it; if that provider later fails for good, the stream moves on to
 * the next one without the session noticing, except for the switch being reported.
 */
import type { ProviderError } from '../provider-error.js';
import type { SttEvent, SttProvider, SttStream, SttStreamOptions } from './stt.js';

export interface FallbackSttOptions {
  onFailover?: (from: string, to: string, error: unknown) => void;
}

class FallbackSttStream implements SttStream {
  #inner: SttStream | undefined;
  #index: number;
  #closed = false;
  #switching: Promise<void> | undefined;
  readonly #pending: Uint8Array[] = [];

  constructor(
    private readonly providers: readonly SttProvider[],
    private readonly options: SttStreamOptions,
    private readonly hooks: FallbackSttOptions,
    inner: SttStream,
    index: number,
  ) {
    this.#inner = inner;
    this.#index = index;
  }

  /** Wraps the session's handler so a fatal error from the current provider triggers a switch. */
  handle(event: SttEvent, fromIndex: number): void {
    if (this.#closed || fromIndex !== this.#index) return;
    if (event.type === 'error' && event.fatal && this.#index + 1 < this.providers.length) {
      this.#switching = this.#switchFrom(event.error);
      return;
    }
    this.options.onEvent(event);
  }

  pushAudio(frame: Uint8Array): void {
    if (this.#closed) return;
    // While the next provider connects, keep the audio (bounded: 30 s) so no speech is lost.
    if (this.#switching) {
      if (this.#pending.length < 300) this.#pending.push(frame);
      return;
    }
    this.#inner?.pushAudio(frame);
  }

  finalize(): void {
    this.#inner?.finalize();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const inner = this.#inner;
    this.#inner = undefined;
    await inner?.close();
  }

  async #switchFrom(error: ProviderError): Promise<void> {
    const failed = this.#inner;
    this.#inner = undefined;
    void failed?.close().catch(() => {});
    for (let next = this.#index + 1; next < this.providers.length && !this.#closed; next++) {
      const from = this.providers[this.#index]?.name ?? 'unknown';
      const provider = this.providers[next] as SttProvider;
      try {
        const index = next;
        this.#index = index;
        this.#inner = await provider.openStream({
          ...this.options,
          onEvent: (event) => this.handle(event, index),
        });
        this.hooks.onFailover?.(from, provider.name, error);
        for (const frame of this.#pending.splice(0)) this.#inner.pushAudio(frame);
        this.#switching = undefined;
        return;
      } catch (openError) {
        error = openError as ProviderError;
      }
    }
    this.#switching = undefined;
    this.options.onEvent({ type: 'error', error, fatal: true });
  }
}

export class FallbackStt implements SttProvider {
  readonly name: string;
  readonly capabilities: SttProvider['capabilities'];

  constructor(
    private readonly providers: readonly SttProvider[],
    private readonly options: FallbackSttOptions = {},
  ) {
    const first = providers[0];
    if (!first) throw new Error('FallbackStt needs at least one provider');
    this.name = providers.map((p) => p.name).join('>');
    this.capabilities = first.capabilities;
  }

  async openStream(options: SttStreamOptions): Promise<SttStream> {
    let lastError: unknown;
    for (const [index, provider] of this.providers.entries()) {
      let wrapper: FallbackSttStream | undefined;
      const early: SttEvent[] = [];
      try {
        const inner = await provider.openStream({
          ...options,
          onEvent: (event) => (wrapper ? wrapper.handle(event, index) : early.push(event)),
        });
        if (index > 0)
          this.options.onFailover?.(this.providers[0]?.name ?? 'unknown', provider.name, lastError);
        wrapper = new FallbackSttStream(this.providers, options, this.options, inner, index);
        for (const event of early) wrapper.handle(event, index);
        return wrapper;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }
}
