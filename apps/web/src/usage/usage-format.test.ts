import { describe, expect, it } from 'vitest';
import {
  formatDate,
  formatDay,
  formatPercent,
  formatTokens,
  formatUsd,
  formatWhen,
} from './usage-format.js';

describe('formatUsd', () => {
  it('shows cents from a dollar up and two significant digits below', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(12.5)).toBe('$12.50');
    expect(formatUsd(1234.567)).toBe('$1,234.57');
    expect(formatUsd(0.5)).toBe('$0.50');
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(formatUsd(0.00423)).toBe('$0.0042');
    expect(formatUsd(0.012)).toBe('$0.012');
    expect(formatUsd(0.000015)).toBe('$0.000015');
  });

  it('never shows a positive amount as zero, and survives bad numbers', () => {
    expect(formatUsd(0.0000001)).toBe('< $0.000001');
    expect(formatUsd(Number.NaN)).toBe('$0.00');
    expect(formatUsd(Number.POSITIVE_INFINITY)).toBe('$0.00');
  });
});

describe('formatPercent', () => {
  it('rounds down so 79.99 % never reads as 80 %', () => {
    expect(formatPercent(0.7999)).toBe('79.9 %');
    expect(formatPercent(0.8)).toBe('80 %');
    expect(formatPercent(1.25)).toBe('125 %');
    expect(formatPercent(-0.1)).toBe('0 %');
  });
});

describe('dates', () => {
  it('shows UTC days and reset dates without shifting them by the local zone', () => {
    expect(formatDay('2026-11-21')).toBe('Nov 21');
    expect(formatDate('2026-12-01T00:00:00.000Z')).toBe('Dec 1, 2026');
    expect(formatDay('not a day')).toBe('not a day');
  });

  it('says how long ago an event was', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    expect(formatWhen('2026-11-21T11:59:30Z', now)).toBe('just now');
    expect(formatWhen('2026-11-21T11:55:00Z', now)).toBe('5 minutes ago');
    expect(formatWhen('2026-11-21T09:00:00Z', now)).toBe('3 hours ago');
    expect(formatWhen('2026-11-19T09:00:00Z', now)).toContain('2026');
    expect(formatWhen('garbage', now)).toBe('garbage');
  });
});

describe('formatTokens', () => {
  it('shows both directions, or a dash when a call was not billed by tokens', () => {
    expect(formatTokens(1200, 34)).toBe('1,200 in / 34 out');
    expect(formatTokens(0, 0)).toBe('—');
  });
});
