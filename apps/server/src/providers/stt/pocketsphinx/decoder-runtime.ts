/**
 * @module providers/stt/pocketsphinx/decoder-runtime
 * PocketSphinx 5prealpha (Debian `libpocketsphinx3`) through `koffi`: one class wrapping one
 * native decoder (config, utterances, raw PCM in, hypothesis / VAD state / confidence out).
 *
 * SELF-CONTAINED ON PURPOSE: {@link createDecoderRuntime} references nothing outside its own
 * body (no imports, no module helpers; `koffi` comes in as an argument). The worker thread is
 * started from its source text (`String(createDecoderRuntime)`, see `decoder-worker.ts`), which
 * works the same under Vitest (TypeScript sources) and from `dist/` without a TypeScript loader
 * in the worker. The same function runs in-thread for the fake servers' recognizer.
 *
 * C API used (pocketsphinx.h / sphinxbase cmd_ln.h, err.h, logmath.h): cmd_ln_init (variadic,
 * copies its strings), ps_args, ps_init, ps_start_utt, ps_process_raw, ps_get_hyp,
 * ps_get_in_speech, ps_end_utt, ps_seg_iter/next/word/prob, ps_get_logmath, logmath_exp,
 * ps_free, cmd_ln_free_r, err_set_logfp.
 */

/** The part of `koffi` the runtime uses (its functions return `any`; we narrow at the call). */
export interface KoffiLike {
  load(path: string): { func(definition: string): (...args: unknown[]) => unknown };
}

export interface DecoderConfig {
  /** Acoustic model directory (`-hmm`). */
  readonly hmm: string;
  /** Language model (`-lm`, binary ARPA). */
  readonly lm: string;
  /** Pronunciation dictionary (`-dict`). */
  readonly dict: string;
  /** Input rate; the en-us model is 16 kHz. */
  readonly sampleRate: number;
  /** Silence after speech before the VAD's in-speech flag drops (`-vad_postspeech`), ms. */
  readonly endSilenceMs: number;
}

export interface LibraryNames {
  readonly sphinxbase: string;
  readonly pocketsphinx: string;
}

export interface FinalResult {
  readonly text: string;
  /** Mean word posterior (0..1), or `fallback` when the lattice gave none. */
  readonly confidence: number;
}

export interface SphinxDecoder {
  /** Starts an utterance (required before `process`). */
  start(): void;
  /** Decodes PCM16 samples; returns the VAD's in-speech flag after them. */
  process(samples: Int16Array): boolean;
  /** The current best hypothesis of the utterance so far ('' when none). */
  hypothesis(): string;
  /** Ends the utterance: final text and confidence. `start()` again for the next one. */
  end(): FinalResult;
  /** True between `start()` and `end()`. */
  readonly inUtterance: boolean;
  /** Releases the native decoder and its config; the object is unusable afterwards. */
  free(): void;
}

export interface DecoderRuntime {
  createDecoder(config: DecoderConfig): SphinxDecoder;
}

/** Loads the libraries and returns a decoder factory. Throws if they cannot be loaded. */
export function createDecoderRuntime(koffi: KoffiLike, libraries: LibraryNames): DecoderRuntime {
  const sphinxbase = koffi.load(libraries.sphinxbase);
  const pocketsphinx = koffi.load(libraries.pocketsphinx);
  const sb = (definition: string) => sphinxbase.func(definition);
  const ps = (definition: string) => pocketsphinx.func(definition);
  const native = {
    errSetLogfp: sb('void err_set_logfp(void *stream)'),
    cmdLnInit: sb('void *cmd_ln_init(void *inout, void *defn, int strict, ...)'),
    cmdLnFree: sb('int cmd_ln_free_r(void *cmdln)'),
    logmathExp: sb('double logmath_exp(void *lmath, int logb_p)'),
    args: ps('void *ps_args()'),
    init: ps('void *ps_init(void *config)'),
    free: ps('int ps_free(void *ps)'),
    startUtt: ps('int ps_start_utt(void *ps)'),
    endUtt: ps('int ps_end_utt(void *ps)'),
    processRaw: ps(
      'int ps_process_raw(void *ps, const int16_t *data, size_t n_samples, int no_search, int full_utt)',
    ),
    getHyp: ps('const char *ps_get_hyp(void *ps, _Out_ int32_t *out_best_score)'),
    getInSpeech: ps('uint8_t ps_get_in_speech(void *ps)'),
    getLogmath: ps('void *ps_get_logmath(void *ps)'),
    segIter: ps('void *ps_seg_iter(void *ps)'),
    segNext: ps('void *ps_seg_next(void *seg)'),
    segWord: ps('const char *ps_seg_word(void *seg)'),
    segProb: ps(
      'int32_t ps_seg_prob(void *seg, _Out_ int32_t *ascr, _Out_ int32_t *lscr, _Out_ int32_t *lback)',
    ),
  };
  // The library logs every setting and every utterance to stderr by default: silence it.
  native.errSetLogfp(null);

  /** Confidence when the lattice gives no posterior (PocketSphinx without `-bestpath`). */
  const FALLBACK_CONFIDENCE = 0.6;

  class Decoder implements SphinxDecoder {
    #ps: unknown;
    #config: unknown;
    #inUtterance = false;

    constructor(config: DecoderConfig) {
      const str = (value: string) => ['str', value];
      const cmdln = native.cmdLnInit(
        null,
        native.args(),
        1,
        ...str('-hmm'),
        ...str(config.hmm),
        ...str('-lm'),
        ...str(config.lm),
        ...str('-dict'),
        ...str(config.dict),
        ...str('-samprate'),
        ...str(String(config.sampleRate)),
        // The VAD counts 10 ms frames.
        ...str('-vad_postspeech'),
        ...str(String(Math.max(1, Math.round(config.endSilenceMs / 10)))),
        'str',
        null,
      );
      if (!cmdln) throw new Error('pocketsphinx: invalid configuration (cmd_ln_init failed)');
      const decoder = native.init(cmdln);
      if (!decoder) {
        native.cmdLnFree(cmdln);
        throw new Error(`pocketsphinx: cannot load the model (hmm ${config.hmm}, lm ${config.lm})`);
      }
      this.#config = cmdln;
      this.#ps = decoder;
    }

    get inUtterance(): boolean {
      return this.#inUtterance;
    }

    #handle(): unknown {
      if (!this.#ps) throw new Error('pocketsphinx: decoder already freed');
      return this.#ps;
    }

    start(): void {
      if (this.#inUtterance) return;
      if ((native.startUtt(this.#handle()) as number) < 0)
        throw new Error('pocketsphinx: ps_start_utt failed');
      this.#inUtterance = true;
    }

    process(samples: Int16Array): boolean {
      const handle = this.#handle();
      if (!this.#inUtterance) this.start();
      if (samples.length > 0) {
        const frames = native.processRaw(handle, samples, samples.length, 0, 0) as number;
        if (frames < 0) throw new Error('pocketsphinx: ps_process_raw failed');
      }
      return (native.getInSpeech(handle) as number) !== 0;
    }

    hypothesis(): string {
      const score = [0];
      const text = native.getHyp(this.#handle(), score) as string | null;
      return (text ?? '').trim();
    }

    end(): FinalResult {
      const handle = this.#handle();
      if (!this.#inUtterance) return { text: '', confidence: 0 };
      native.endUtt(handle);
      this.#inUtterance = false;
      const text = this.hypothesis();
      return { text, confidence: text ? this.#confidence(handle) : 0 };
    }

    /** Mean posterior of the recognised words (fillers such as <sil> and [NOISE] skipped). */
    #confidence(handle: unknown): number {
      const logmath = native.getLogmath(handle);
      let segment = native.segIter(handle);
      let sum = 0;
      let words = 0;
      while (segment) {
        const word = (native.segWord(segment) as string | null) ?? '';
        if (word && !word.startsWith('<') && !word.startsWith('[')) {
          const ascr = [0];
          const lscr = [0];
          const lback = [0];
          const posterior = native.segProb(segment, ascr, lscr, lback) as number;
          const probability = native.logmathExp(logmath, posterior) as number;
          if (Number.isFinite(probability)) {
            sum += Math.min(1, Math.max(0, probability));
            words++;
          }
        }
        // ps_seg_next frees the iterator when it returns NULL.
        segment = native.segNext(segment);
      }
      return words > 0 ? sum / words : FALLBACK_CONFIDENCE;
    }

    free(): void {
      if (!this.#ps) return;
      if (this.#inUtterance) native.endUtt(this.#ps);
      native.free(this.#ps);
      native.cmdLnFree(this.#config);
      this.#ps = undefined;
      this.#config = undefined;
      this.#inUtterance = false;
    }
  }

  return { createDecoder: (config) => new Decoder(config) };
}
