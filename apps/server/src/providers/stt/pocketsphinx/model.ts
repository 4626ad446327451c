/**
 * @module providers/stt/pocketsphinx/model
 * Where PocketSphinx lives on a Debian machine (`libpocketsphinx3`, `pocketsphinx-en-us`), and
 * the check `/health` and provider selection use before offering offline speech recognition.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import koffi from 'koffi';
import type { LibraryNames } from './decoder-runtime.js';

export const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const DEFAULT_LIBRARIES: LibraryNames = {
  sphinxbase: 'libsphinxbase.so.3',
  pocketsphinx: 'libpocketsphinx.so.3',
};
export const INSTALL_HINT = 'install the Debian packages libpocketsphinx3 pocketsphinx-en-us';

export interface ModelPaths {
  readonly hmm: string;
  readonly lm: string;
  readonly dict: string;
}

export interface PocketSphinxLocation {
  /** Directory holding `en-us/`, `en-us.lm.bin` and `cmudict-en-us.dict`. */
  readonly modelDir?: string;
  /** Override single files (another language or a smaller LM). */
  readonly model?: Partial<ModelPaths>;
  readonly libraries?: LibraryNames;
}

export function modelPaths(location: PocketSphinxLocation = {}): ModelPaths {
  const dir = location.modelDir ?? DEFAULT_MODEL_DIR;
  return {
    hmm: location.model?.hmm ?? join(dir, 'en-us'),
    lm: location.model?.lm ?? join(dir, 'en-us.lm.bin'),
    dict: location.model?.dict ?? join(dir, 'cmudict-en-us.dict'),
  };
}

/** What `/health` shows about an offline engine (same shape as `EspeakTts.available()`). */
export interface OfflineAvailability {
  readonly available: boolean;
  readonly detail: string;
}

/**
 * Whether the libraries load and the model files exist. Loading the libraries maps them into
 * the process (cheap, and the decoder workers would load them anyway); no decoder is created.
 */
export function pocketSphinxAvailability(location: PocketSphinxLocation = {}): OfflineAvailability {
  const libraries = location.libraries ?? DEFAULT_LIBRARIES;
  for (const library of [libraries.sphinxbase, libraries.pocketsphinx]) {
    try {
      koffi.load(library);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { available: false, detail: `cannot load ${library} (${reason}): ${INSTALL_HINT}` };
    }
  }
  const paths = modelPaths(location);
  const missing = Object.values(paths).filter((path) => !existsSync(path));
  if (missing.length > 0) {
    return {
      available: false,
      detail: `model files missing (${missing.join(', ')}): ${INSTALL_HINT}`,
    };
  }
  return { available: true, detail: `${libraries.pocketsphinx} with ${paths.hmm}` };
}
