/**
 * @module usage/usage-format
 * Words and numbers for the usage dashboard: dollars with enough decimals to see small
 * amounts, feature names and colours, and dates. Days and reset dates are UTC calendar
 * periods on the server, so they are shown in UTC too (a local zone would shift them a day).
 */
import type { UsageFeature } from '@atlas/protocol';

const SMALLEST_SHOWN_USD = 0.000001;

const currencyFormats = new Map<number, Intl.NumberFormat>();

function currencyFormat(maximumFractionDigits: number): Intl.NumberFormat {
  let format = currencyFormats.get(maximumFractionDigits);
  if (format === undefined) {
    format = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: 'USD',
      minimumFractionDigits: 2,
      maximumFractionDigits,
    });
    currencyFormats.set(maximumFractionDigits, format);
  }
  return format;
}

/**
 * US dollars: cents from a dollar up; below that two significant digits (at most six
 * decimals), because a voice turn costs fractions of a cent.
 *
 * @example
 * formatUsd(12.5);    // '$12.50'
 * formatUsd(0.0042);  // '$0.0042'
 * formatUsd(0);       // '$0.00'
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd) || usd === 0) return currencyFormat(2).format(0);
  const magnitude = Math.abs(usd);
  // Costs are never negative; a positive crumb still reads as "something", never as zero.
  if (magnitude < SMALLEST_SHOWN_USD) return usd > 0 ? '< $0.000001' : currencyFormat(2).format(0);
  if (magnitude >= 1) return currencyFormat(2).format(usd);
  const decimals = Math.min(6, Math.max(2, 1 - Math.floor(Math.log10(magnitude))));
  return currencyFormat(decimals).format(usd);
}

/** A fraction (0.8) as a whole percentage ('80 %'); never rounds up across the warning line. */
export function formatPercent(fraction: number): string {
  const percent = Math.max(0, Math.floor(fraction * 1000) / 10);
  return `${percent.toLocaleString('en-US', { maximumFractionDigits: 1 })} %`;
}

export const FEATURE_LABELS: Readonly<Record<UsageFeature, string>> = {
  chat: 'Chat',
  voice_stt: 'Voice: listening',
  voice_llm: 'Voice: replies',
  voice_tts: 'Voice: speaking',
  vision: 'Vision',
  ritual: 'Rituals',
};

export function isUsageFeature(value: unknown): value is UsageFeature {
  return typeof value === 'string' && Object.hasOwn(FEATURE_LABELS, value);
}

/** A feature's name for people; a feature this client does not know is shown as sent. */
export function featureLabel(value: string): string {
  return isUsageFeature(value) ? FEATURE_LABELS[value] : value;
}

/** One fixed colour per feature, so a feature keeps its colour when the filter changes. */
export const FEATURE_COLORS: Readonly<Record<UsageFeature, string>> = {
  chat: '#6366f1',
  voice_stt: '#0ea5e9',
  voice_llm: '#a855f7',
  voice_tts: '#14b8a6',
  vision: '#f59e0b',
  ritual: '#ec4899',
};

const dayFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});
const longDayFormat = new Intl.DateTimeFormat('en-US', {
  dateStyle: 'medium',
  timeZone: 'UTC',
});

/** A UTC day key (`2026-11-21`) as an axis label: 'Nov 21'. */
export function formatDay(dayKey: string): string {
  const date = new Date(`${dayKey}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? dayKey : dayFormat.format(date);
}

/** An instant as a UTC calendar date: 'Dec 1, 2026'. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : longDayFormat.format(date);
}

const relativeFormat = new Intl.RelativeTimeFormat('en-US', { numeric: 'auto' });
const dateTimeFormat = new Intl.DateTimeFormat('en-US', {
  dateStyle: 'medium',
  timeStyle: 'short',
});

/**
 * When an event happened, for a table cell: relative within a day ('5 minutes ago'), the
 * local date and time beyond that.
 */
export function formatWhen(iso: string, now: Date = new Date()): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  const ago = -seconds;
  if (ago >= -60 && ago < 60) return 'just now';
  if (ago >= 0 && ago < 3600) return relativeFormat.format(-Math.floor(ago / 60), 'minute');
  if (ago >= 0 && ago < 86_400) return relativeFormat.format(-Math.floor(ago / 3600), 'hour');
  return dateTimeFormat.format(at);
}

/** Token counts with thousands separators; '—' for calls billed by time or characters. */
export function formatTokens(tokensInput: number, tokensOutput: number): string {
  if (tokensInput === 0 && tokensOutput === 0) return '—';
  return `${tokensInput.toLocaleString('en-US')} in / ${tokensOutput.toLocaleString('en-US')} out`;
}
