import { describe, expect, it } from 'vitest';
import { parseServerMessage } from './parse-server-message.js';

describe('parseServerMessage', () => {
  it('accepts a message of the protocol', () => {
    const parsed = parseServerMessage(
      JSON.stringify({ type: 'response_text', turnId: 't1', delta: 'Hi' }),
    );
    expect(parsed).toEqual({
      ok: true,
      message: { type: 'response_text', turnId: 't1', delta: 'Hi' },
    });
  });

  it('reports unknown types, bad fields and non-JSON without throwing', () => {
    expect(parseServerMessage('{"type":"surprise"}')).toMatchObject({
      ok: false,
      type: 'surprise',
    });
    expect(parseServerMessage('{"type":"pong","id":"x"}')).toMatchObject({
      ok: false,
      type: 'pong',
    });
    expect(parseServerMessage('not json')).toEqual({
      ok: false,
      reason: 'not JSON',
      type: undefined,
    });
    expect(parseServerMessage('null')).toMatchObject({ ok: false, type: undefined });
  });
});
