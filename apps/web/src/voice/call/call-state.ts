/**
 * @module voice/call/call-state
 * What the call view shows, as one reducer: the connection state, which voice path is in use,
 * the transcripts, the reply as it streams, latency, cost, the budget warning, the error in
 * words, the mic level and what the playback queue did. Both voice paths (V2 and the V1
 * fallback) describe themselves with the same actions.
 */
import type { PlaybackStats } from '../audio/playback-queue.js';

export type CallStatus = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';
export type VoiceMode = 'v2' | 'v1';

export interface CallViewState {
  status: CallStatus;
  mode: VoiceMode | undefined;
  /** Why the state is what it is (reconnecting, what V1 is doing). */
  notice: string | undefined;
  partial: string;
  finalTranscript: string;
  reply: string;
  replying: boolean;
  latencyMs: number | undefined;
  costUsd: number | undefined;
  budgetWarning: { costUsd: number; limitUsd: number } | undefined;
  error: string | undefined;
  level: number;
  playback: PlaybackStats;
}

export type CallAction =
  | { type: 'start' }
  | { type: 'status'; status: CallStatus; message?: string | undefined }
  | { type: 'mode'; mode: VoiceMode }
  | { type: 'notice'; message: string | undefined }
  | { type: 'partial'; text: string }
  | { type: 'final'; text: string }
  | { type: 'reply_start' }
  | { type: 'reply_delta'; text: string }
  | { type: 'reply_end'; text: string }
  | { type: 'latency'; ms: number }
  | { type: 'cost'; usd: number }
  | { type: 'budget_warning'; costUsd: number; limitUsd: number }
  | { type: 'error'; message: string }
  | { type: 'level'; level: number }
  | { type: 'playback'; stats: PlaybackStats };

export const initialCallState: CallViewState = {
  status: 'idle',
  mode: undefined,
  notice: undefined,
  partial: '',
  finalTranscript: '',
  reply: '',
  replying: false,
  latencyMs: undefined,
  costUsd: undefined,
  budgetWarning: undefined,
  error: undefined,
  level: 0,
  playback: { scheduledMs: 0, chunks: 0, flushes: 0, playing: false },
};

export function callReducer(state: CallViewState, action: CallAction): CallViewState {
  switch (action.type) {
    case 'start':
      return { ...initialCallState, status: 'connecting' };
    case 'status': {
      const failed = action.status === 'failed';
      return {
        ...state,
        status: action.status,
        notice: failed ? undefined : action.message,
        error: failed
          ? (action.message ?? 'The call failed.')
          : action.status === 'live'
            ? undefined
            : state.error,
        level: action.status === 'live' || action.status === 'reconnecting' ? state.level : 0,
      };
    }
    case 'mode':
      return { ...state, mode: action.mode };
    case 'notice':
      return { ...state, notice: action.message };
    case 'partial':
      return { ...state, partial: action.text };
    case 'final':
      return { ...state, partial: '', finalTranscript: action.text };
    case 'reply_start':
      return { ...state, reply: '', replying: true };
    case 'reply_delta':
      return { ...state, reply: state.reply + action.text };
    case 'reply_end':
      return { ...state, reply: action.text, replying: false };
    case 'latency':
      return { ...state, latencyMs: action.ms };
    case 'cost':
      return { ...state, costUsd: action.usd };
    case 'budget_warning':
      return { ...state, budgetWarning: { costUsd: action.costUsd, limitUsd: action.limitUsd } };
    case 'error':
      return { ...state, error: action.message };
    case 'level':
      return { ...state, level: Math.max(0, Math.min(1, action.level)) };
    case 'playback':
      return { ...state, playback: action.stats };
  }
}
