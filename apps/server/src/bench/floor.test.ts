import { REALISTIC_PROFILE, ZERO_PROFILE } from '@atlas/fakes';
import { describe, expect, it } from 'vitest';
import { firstSentenceMs, replyPieces, wholeReplyMs, wholeSynthesisMs } from './bench-reply.js';
import { providerFloor } from './floor.js';

const REPLY = 'Sure thing. You asked me that. Bye now.';
const input = (profile = REALISTIC_PROFILE) => ({
  profile,
  endpointingMs: 300,
  v1SilenceMs: 800,
  frameMs: 100,
  reply: REPLY,
});

describe('reply pacing', () => {
  it('cuts the reply the way the fakes stream it', () => {
    expect(replyPieces(REPLY)).toEqual([
      'Sure',
      ' thing.',
      ' You',
      ' asked',
      ' me',
      ' that.',
      ' Bye',
      ' now.',
    ]);
  });

  it('knows the first sentence has ended when the next piece arrives', () => {
    // ' thing.' (7 chars, 2 tokens) and ' You' (1 token) at 60 tokens/s.
    expect(firstSentenceMs(REPLY, REALISTIC_PROFILE)).toBeCloseTo(50, 5);
    expect(firstSentenceMs('No full stop here', REALISTIC_PROFILE)).toBeCloseTo(
      wholeReplyMs('No full stop here', REALISTIC_PROFILE),
      5,
    );
    expect(firstSentenceMs(REPLY, ZERO_PROFILE)).toBe(0);
  });

  it('streams the whole reply at the profile rate', () => {
    // 2+1+2+1+2+1+2 tokens after the first piece.
    expect(wholeReplyMs(REPLY, REALISTIC_PROFILE)).toBeCloseTo((11 * 1000) / 60, 5);
    expect(wholeReplyMs(REPLY, ZERO_PROFILE)).toBe(0);
  });
});

describe('providerFloor', () => {
  it('waiting for the final adds endpointing, lag, LLM, first sentence and TTS in series', () => {
    expect(providerFloor('v2-final', input())).toEqual({
      firstPartial: 350, // lag + one more frame before the first 200 ms interim
      final: 550,
      firstText: 950,
      firstAudio: 950 + 50 + 200,
    });
  });

  it('speculation overlaps the LLM and TTS with endpointing, never releasing before the final', () => {
    expect(providerFloor('v2-speculative', input())).toEqual({
      firstPartial: 350,
      final: 550,
      firstText: 250 + 400,
      firstAudio: 250 + 400 + 50 + 200,
    });
    const slowEndpointing = { ...input(), endpointingMs: 1_000 };
    expect(providerFloor('v2-speculative', slowEndpointing).firstAudio).toBe(1_250);
  });

  it('V1 uploads when its turn ends, transcribes at once, speaks only the whole reply', () => {
    // 39 characters of fake speech at 60 ms each, the first 100 ms chunk after 200 ms, the
    // rest at 0.3 of real time.
    const synthesis = 200 + (39 * 60 - 100) * 0.3;
    expect(wholeSynthesisMs(REPLY, REALISTIC_PROFILE)).toBeCloseTo(synthesis, 5);
    expect(wholeSynthesisMs(REPLY, ZERO_PROFILE)).toBe(0);
    expect(providerFloor('v1-button', input())).toEqual({
      firstPartial: null,
      final: 0,
      firstText: 400,
      firstAudio: 400 + (11 * 1000) / 60 + synthesis,
    });
    // Hands-free, the turn ends only after the client's silence window.
    expect(providerFloor('v1', input())).toEqual({
      firstPartial: null,
      final: 800,
      firstText: 800 + 400,
      firstAudio: 800 + 400 + (11 * 1000) / 60 + synthesis,
    });
  });

  it('on the zero profile only the endpointing Atlas asks for remains', () => {
    for (const mode of ['v2-final', 'v2-speculative'] as const) {
      expect(providerFloor(mode, input(ZERO_PROFILE))).toEqual({
        firstPartial: 0,
        final: 300,
        firstText: 300,
        firstAudio: 300,
      });
    }
    expect(providerFloor('v1-button', input(ZERO_PROFILE)).firstAudio).toBe(0);
    expect(providerFloor('v1', input(ZERO_PROFILE)).firstAudio).toBe(800);
  });
});
