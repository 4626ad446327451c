/**
 * @module usage/UsagePage
 * The usage dashboard (`/usage`): this month's spend against the plan's limit, daily cost by
 * feature for the last 7 or 30 days, and the recent events behind it. Mounted by the app shell
 * with no props; it takes the API client from `useServices()` and reads through TanStack Query
 * (refetched when the window regains focus, cancelled on unmount).
 */
import { useState } from 'react';
import { useServices } from '../app/services.js';
import { UsageChart } from './UsageChart.js';
import { UsageControls } from './UsageControls.js';
import { UsageEventsTable } from './UsageEventsTable.js';
import { Skeleton, UsageError } from './UsageStatus.js';
import { UsageSummary } from './UsageSummary.js';
import { FEATURE_LABELS } from './usage-format.js';
import {
  type FeatureFilter,
  type UsageRange,
  useUsageEvents,
  useUsageReport,
} from './usage-queries.js';
import './usage.css';

function emptyMessage(feature: FeatureFilter, days: UsageRange): string {
  return feature === 'all'
    ? 'No usage yet'
    : `No ${FEATURE_LABELS[feature]} usage in the last ${days} days`;
}

export function UsagePage() {
  const { api } = useServices();
  const [days, setDays] = useState<UsageRange>(7);
  const [feature, setFeature] = useState<FeatureFilter>('all');
  const report = useUsageReport(api, days, feature);
  const events = useUsageEvents(api, feature);
  const eventList = events.data?.pages.flatMap((page) => page.events) ?? [];

  return (
    <div className="usage-page">
      <div className="usage-page__inner">
        <header className="usage-header">
          <div>
            <h1>Usage</h1>
            <p className="usage-muted">What your chats and calls cost, day by day.</p>
          </div>
          <UsageControls
            days={days}
            feature={feature}
            onDaysChange={setDays}
            onFeatureChange={setFeature}
          />
        </header>

        {report.isError && (
          <UsageError
            error={report.error}
            what="Your usage"
            onRetry={() => void report.refetch()}
          />
        )}

        {report.data ? (
          <UsageSummary report={report.data} />
        ) : (
          report.isPending && <Skeleton height={148} label="Loading this month’s usage" />
        )}

        <section className="usage-card" aria-labelledby="usage-chart-title">
          <h2 id="usage-chart-title">Daily cost by feature</h2>
          {report.data ? (
            report.data.totals.totalUsd > 0 ? (
              <div aria-busy={report.isPlaceholderData} className="usage-chart-frame">
                <UsageChart days={report.data.days} />
              </div>
            ) : (
              <div className="usage-empty">
                <p className="usage-empty__title">{emptyMessage(feature, days)}</p>
                <p className="usage-muted">
                  Chats and calls show up here with their cost, by day and feature.
                </p>
              </div>
            )
          ) : (
            report.isPending && <Skeleton height={280} label="Loading the chart" />
          )}
        </section>

        <section className="usage-card" aria-labelledby="usage-events-title">
          <h2 id="usage-events-title">Recent activity</h2>
          {events.isError && (
            <UsageError
              error={events.error}
              what={events.isFetchNextPageError ? 'More events' : 'Recent activity'}
              onRetry={() =>
                void (events.isFetchNextPageError ? events.fetchNextPage() : events.refetch())
              }
            />
          )}
          {events.data ? (
            <UsageEventsTable
              events={eventList}
              hasMore={events.hasNextPage}
              loadingMore={events.isFetchingNextPage}
              onLoadMore={() => void events.fetchNextPage()}
            />
          ) : (
            events.isPending && <Skeleton height={220} label="Loading recent activity" />
          )}
        </section>
      </div>
    </div>
  );
}
