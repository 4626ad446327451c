/**
 * @module bench/frame-path-bench
 * `npm run bench:frame`: CPU per audio frame of the gateway's own per-frame checks (the frame
 * guard and the speech-level hint), in microseconds, on frames at even and odd offsets of a
 * larger buffer, as WebSocket payloads arrive. At 500 sessions there are 5,000 frames a second,
 * so 1 µs here is 0.5 % of a core. Prints numbers; asserts nothing.
 */
import { performance } from 'node:perf_hooks';
import { FrameGuard } from '../voice/limits/frame-guard.js';
import { isSpeechFrame } from '../voice/speech-energy.js';

const FRAME_BYTES = 3_200; // 100 ms of 16 kHz PCM16
const FRAMES = 64;
const ROUNDS = 300_000;

function framesAt(misalign: number): Uint8Array[] {
  const pool = new Uint8Array(FRAME_BYTES * FRAMES + 1);
  for (let i = 0; i < pool.length; i++) pool[i] = (i * 7919) & 0xff;
  return Array.from({ length: FRAMES }, (_, k) =>
    pool.subarray(k * FRAME_BYTES + misalign, (k + 1) * FRAME_BYTES + misalign),
  );
}

function microsecondsPerFrame(frames: readonly Uint8Array[], check: (f: Uint8Array) => unknown) {
  let sink = 0;
  for (let i = 0; i < ROUNDS / 10; i++) if (check(frames[i % FRAMES] as Uint8Array)) sink++;
  const started = performance.now();
  for (let i = 0; i < ROUNDS; i++) if (check(frames[i % FRAMES] as Uint8Array)) sink++;
  const us = ((performance.now() - started) * 1000) / ROUNDS;
  return { us, sink };
}

// Frames 10.5 ms apart: under the default 100 frames/s, so every frame takes the full path.
const guard = new FrameGuard();
let clock = 0;
const rows: Array<[string, number]> = [];
for (const [label, frames] of [
  ['even offset', framesAt(0)],
  ['odd offset', framesAt(1)],
] as const) {
  rows.push([`isSpeechFrame, ${label}`, microsecondsPerFrame(frames, (f) => isSpeechFrame(f)).us]);
  rows.push([
    `FrameGuard.check, ${label}`,
    microsecondsPerFrame(frames, (f) => {
      clock += 10.5;
      return guard.check(f.byteLength, clock) === 'ok';
    }).us,
  ]);
}
// A report on stdout, like the other benchmarks' tables (the logger is for the server's events).
process.stdout.write(
  `per-frame checks (${ROUNDS} frames of ${FRAME_BYTES} bytes, Node ${process.version})\n`,
);
for (const [name, us] of rows)
  process.stdout.write(`${name.padEnd(32)} ${us.toFixed(3)} µs/frame\n`);
