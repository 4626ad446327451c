/**
 * @module usage/usage-queries
 * The dashboard's two reads, as TanStack Query hooks: the usage report (`GET /v1/usage`) and
 * the recent events (`GET /v1/usage/events`, an infinite query paged by `nextCursor`). Each
 * fetch gets the query's AbortSignal, so a request still in flight when the page unmounts (or
 * the range/filter changes) is cancelled rather than left pending.
 */
import {
  type UsageEventPage,
  type UsageFeature,
  type UsageResponse,
  usageEventPageSchema,
  usageResponseSchema,
} from '@atlas/protocol';
import { type InfiniteData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';

export type UsageRange = 7 | 30;
/** The feature filter: every feature, or one. */
export type FeatureFilter = 'all' | UsageFeature;

export const USAGE_EVENTS_PAGE_SIZE = 20;

/** Long enough that switching back and forth between ranges reuses the answer. */
const STALE_MS = 15_000;

export const usageQueryKeys = {
  all: ['usage'] as const,
  report: (days: UsageRange, feature: FeatureFilter) => ['usage', 'report', days, feature] as const,
  events: (feature: FeatureFilter) => ['usage', 'events', feature] as const,
};

/** The report's query string; `feature` is left out for "all". */
export function usageReportPath(days: UsageRange, feature: FeatureFilter): string {
  const params = new URLSearchParams({ days: String(days) });
  if (feature !== 'all') params.set('feature', feature);
  return `/v1/usage?${params}`;
}

export function usageEventsPath(feature: FeatureFilter, before: string | undefined): string {
  const params = new URLSearchParams({ limit: String(USAGE_EVENTS_PAGE_SIZE) });
  if (feature !== 'all') params.set('feature', feature);
  if (before !== undefined) params.set('before', before);
  return `/v1/usage/events?${params}`;
}

/** Retries what can help (network, 5xx, rate limits) twice; never a 4xx like a lost session. */
function retryTransient(failureCount: number, error: unknown): boolean {
  return failureCount < 2 && error instanceof ApiError && error.retryable;
}

/** Month-to-date spend; older servers send only the fraction, so derive it from that. */
export function monthToDateUsd(report: UsageResponse): number {
  return report.monthToDateUsd ?? report.fractionUsed * report.monthlyLimitUsd;
}

export function useUsageReport(api: ApiClient, days: UsageRange, feature: FeatureFilter) {
  return useQuery({
    queryKey: usageQueryKeys.report(days, feature),
    queryFn: ({ signal }) =>
      api.json(usageReportPath(days, feature), usageResponseSchema, { signal }),
    staleTime: STALE_MS,
    // Spend changes while the user is away (a call in another tab), so look again on return.
    refetchOnWindowFocus: 'always',
    retry: retryTransient,
    // Keep the last chart on screen while the next range loads, instead of a blank flash.
    placeholderData: (previous) => previous,
  });
}

export function useUsageEvents(api: ApiClient, feature: FeatureFilter) {
  return useInfiniteQuery<
    UsageEventPage,
    Error,
    InfiniteData<UsageEventPage, string | undefined>,
    ReturnType<typeof usageQueryKeys.events>,
    string | undefined
  >({
    queryKey: usageQueryKeys.events(feature),
    queryFn: ({ pageParam, signal }) =>
      api.json(usageEventsPath(feature, pageParam), usageEventPageSchema, { signal }),
    initialPageParam: undefined,
    getNextPageParam: (lastPage) => lastPage.nextCursor ?? undefined,
    staleTime: STALE_MS,
    refetchOnWindowFocus: 'always',
    retry: retryTransient,
  });
}
