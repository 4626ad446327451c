/**
 * @module chat.test
 * Title sanitising and the chat body schemas.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  pageQuerySchema,
  renameConversationBodySchema,
  sanitizeTitle,
  sendMessageBodySchema,
} from './chat.js';

describe('chat schemas', () => {
  it('strips tags and control characters from titles', () => {
    expect(sanitizeTitle('<b>Trip</b>\u0000 plans\n')).toBe('Trip plans');
    expect(renameConversationBodySchema.parse({ title: '<i>x</i>' })).toEqual({ title: 'x' });
    expect(renameConversationBodySchema.safeParse({ title: '<br/>' }).success).toBe(false);
    expect(renameConversationBodySchema.safeParse({ title: 'a'.repeat(201) }).success).toBe(false);
  });

  it('never leaves tags, control characters or more than 200 characters (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (raw) => {
        const parsed = renameConversationBodySchema.safeParse({ title: raw });
        if (!parsed.success) return;
        expect(parsed.data.title.length).toBeLessThanOrEqual(200);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
        expect(parsed.data.title).not.toMatch(/<[^>]*>|[\u0000-\u001f\u007f]/);
      }),
    );
  });

  it('bounds message content and page limits', () => {
    expect(sendMessageBodySchema.safeParse({ content: 'x'.repeat(10_000) }).success).toBe(true);
    expect(sendMessageBodySchema.safeParse({ content: 'x'.repeat(10_001) }).success).toBe(false);
    expect(sendMessageBodySchema.safeParse({ content: '   ' }).success).toBe(false);
    expect(pageQuerySchema.parse({})).toEqual({ limit: 50 });
    expect(pageQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
    expect(pageQuerySchema.safeParse({ limit: '51' }).success).toBe(false);
  });
});
