import { describe, expect, it } from 'vitest';
import { type CallAction, callReducer, initialCallState } from './call-state.js';

const run = (...actions: CallAction[]) => actions.reduce(callReducer, initialCallState);

describe('callReducer', () => {
  it('follows a turn: partial, final, reply streaming, end, latency and cost', () => {
    const state = run(
      { type: 'start' },
      { type: 'status', status: 'live' },
      { type: 'partial', text: 'what is' },
      { type: 'final', text: 'What is the time?' },
      { type: 'reply_start' },
      { type: 'reply_delta', text: 'It is ' },
      { type: 'reply_delta', text: 'noon.' },
    );
    expect(state).toMatchObject({
      status: 'live',
      partial: '',
      finalTranscript: 'What is the time?',
    });
    expect(state.reply).toBe('It is noon.');
    expect(state.replying).toBe(true);
    const after = [
      { type: 'reply_end', text: 'It is noon' },
      { type: 'latency', ms: 812 },
      { type: 'cost', usd: 0.0123 },
    ].reduce((s, a) => callReducer(s, a as CallAction), state);
    expect(after).toMatchObject({
      reply: 'It is noon',
      replying: false,
      latencyMs: 812,
      costUsd: 0.0123,
    });
  });

  it('shows a failure as the error and clears it when the call is live again', () => {
    const failed = run(
      { type: 'start' },
      { type: 'status', status: 'failed', message: 'Upgrade to Studio.' },
    );
    expect(failed).toMatchObject({ status: 'failed', error: 'Upgrade to Studio.' });
    const reconnecting = run({
      type: 'status',
      status: 'reconnecting',
      message: 'Atlas is restarting.',
    });
    expect(reconnecting.notice).toBe('Atlas is restarting.');
    expect(callReducer(failed, { type: 'status', status: 'live' }).error).toBeUndefined();
  });

  it('starts a new call from a clean slate and clamps the level', () => {
    const used = run(
      { type: 'final', text: 'x' },
      { type: 'budget_warning', costUsd: 4, limitUsd: 5 },
    );
    expect(used.budgetWarning).toEqual({ costUsd: 4, limitUsd: 5 });
    expect(callReducer(used, { type: 'start' })).toEqual({
      ...initialCallState,
      status: 'connecting',
    });
    expect(run({ type: 'level', level: 3 }).level).toBe(1);
    expect(run({ type: 'level', level: -1 }).level).toBe(0);
    expect(run({ type: 'level', level: 0.5 }, { type: 'status', status: 'ended' }).level).toBe(0);
  });
});
