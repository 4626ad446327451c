/**
 * @module providers/stt/pocketsphinx
 * Offline speech recognition with PocketSphinx (Debian `libpocketsphinx3` + `pocketsphinx-en-us`).
 */
export type { FinalResult, SphinxDecoder } from './decoder-runtime.js';
export type { SessionStats } from './decoder-worker.js';
export {
  DEFAULT_LIBRARIES,
  DEFAULT_MODEL_DIR,
  INSTALL_HINT,
  type OfflineAvailability,
  type PocketSphinxLocation,
  pocketSphinxAvailability,
} from './model.js';
export {
  POCKETSPHINX_SAMPLE_RATE,
  PocketSphinxStream,
  PocketSphinxStt,
  type PocketSphinxSttOptions,
} from './pocketsphinx-stt.js';
export {
  createPocketSphinxRecognizer,
  type PocketSphinxRecognizer,
  type SegmentHypothesis,
  type SegmentStream,
} from './recognizer.js';
