/**
 * @module providers/tts/fallback-tts
 * Speech synthesis with a failover chain (e.g. OpenAI → espeak-ng): a sentence is synthesised by
 * the first provider that produces audio; one that fails before its first chunk hands over to the
 * next. After the first chunk a failure is final (half a sentence twice would be worse).
 */
import { isAbortError } from '../provider-error.js';
import type { TtsProvider, TtsRequest } from './tts.js';

export interface FallbackTtsOptions {
  onFailover?: (from: string, to: string, error: unknown) => void;
}

export class FallbackTts implements TtsProvider {
  readonly name: string;
  readonly capabilities: TtsProvider['capabilities'];

  constructor(
    private readonly providers: readonly TtsProvider[],
    private readonly options: FallbackTtsOptions = {},
  ) {
    const first = providers[0];
    if (!first) throw new Error('FallbackTts needs at least one provider');
    // The client is told one output rate per session; every provider must produce it.
    const mismatched = providers.find(
      (p) => p.capabilities.sampleRate !== first.capabilities.sampleRate,
    );
    if (mismatched) {
      throw new Error(
        `${mismatched.name} produces ${mismatched.capabilities.sampleRate} Hz, ${first.name} ${first.capabilities.sampleRate} Hz`,
      );
    }
    this.name = providers.map((p) => p.name).join('>');
    this.capabilities = first.capabilities;
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Uint8Array> {
    let lastError: unknown;
    for (const [index, provider] of this.providers.entries()) {
      let produced = false;
      try {
        for await (const chunk of provider.synthesize(request)) {
          produced = true;
          yield chunk;
        }
        return;
      } catch (error) {
        if (produced || isAbortError(error) || request.signal.aborted) throw error;
        lastError = error;
        const next = this.providers[index + 1];
        if (next) this.options.onFailover?.(provider.name, next.name, error);
      }
    }
    throw lastError;
  }
}
