/**
 * @module profiles
 * Latency profiles for the fake providers. `realistic` follows published figures (see
 * shared/reference/voice-agent-anchors.md); `zero` answers at once, so what is measured is Atlas.
 */
export interface LatencyProfile {
  readonly name: string;
  readonly stt: {
    /** A partial (interim) result every this many ms of speech. */
    readonly partialEveryMs: number;
    /** Results describe audio this far behind the newest audio received. */
    readonly lagMs: number;
    /** Silence after speech before the result is final (`speech_final`). */
    readonly endpointingMs: number;
  };
  readonly llm: {
    readonly timeToFirstTokenMs: number;
    /** 0 = every token at once. */
    readonly tokensPerSecond: number;
  };
  readonly tts: {
    readonly timeToFirstByteMs: number;
    /** Synthesis time / audio time; 0 = all audio at once. */
    readonly realTimeFactor: number;
  };
}

export const ZERO_PROFILE: LatencyProfile = {
  name: 'zero',
  stt: { partialEveryMs: 100, lagMs: 0, endpointingMs: 0 },
  llm: { timeToFirstTokenMs: 0, tokensPerSecond: 0 },
  tts: { timeToFirstByteMs: 0, realTimeFactor: 0 },
};

export const REALISTIC_PROFILE: LatencyProfile = {
  name: 'realistic',
  stt: { partialEveryMs: 200, lagMs: 250, endpointingMs: 300 },
  llm: { timeToFirstTokenMs: 400, tokensPerSecond: 60 },
  tts: { timeToFirstByteMs: 200, realTimeFactor: 0.3 },
};

export const PROFILES: Readonly<Record<string, LatencyProfile>> = {
  zero: ZERO_PROFILE,
  realistic: REALISTIC_PROFILE,
};

export function profileNamed(name: string): LatencyProfile {
  const profile = PROFILES[name];
  if (!profile)
    throw new Error(
      `unknown latency profile "${name}" (known: ${Object.keys(PROFILES).join(', ')})`,
    );
  return profile;
}
