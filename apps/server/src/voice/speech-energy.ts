/**
 * @module voice/speech-energy
 * A cheap speech/silence verdict for one PCM16 frame, used only as a hint: a pause in the
 * user's audio lets speculation start before the recogniser's lagging results confirm it (a
 * wrong guess costs tokens, never correctness: the final transcript still decides what is sent).
 *
 * Runs on the per-frame hot path, so it reads every 4th sample (a level, not a spectrum) and
 * allocates nothing.
 */

/** RMS level of PCM16 speech (about -36 dBFS), the level the fake Deepgram uses too. */
export const SPEECH_RMS_THRESHOLD = 500;
const STRIDE_BYTES = 8;

/** Whether a PCM16 LE frame is loud enough to be speech. */
export function isSpeechFrame(frame: Uint8Array, threshold = SPEECH_RMS_THRESHOLD): boolean {
  let sum = 0;
  let count = 0;
  const end = frame.byteLength - 1;
  for (let offset = 0; offset < end; offset += STRIDE_BYTES) {
    // In range by the loop bound. With `?? 0` on these reads the loop ran nine times slower
    // (`npm run bench:frame`: 10.6 against 1.2 µs a frame, 5 % of a core at 500 sessions).
    const sample = (((frame[offset + 1] as number) << 24) >> 16) | (frame[offset] as number);
    sum += sample * sample;
    count++;
  }
  return count > 0 && sum / count >= threshold * threshold;
}

/** Duration of a 16 kHz mono PCM16 frame, ms. */
export function frameDurationMs(byteLength: number, sampleRate = 16_000): number {
  return (byteLength / 2 / sampleRate) * 1000;
}
