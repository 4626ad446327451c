/**
 * @module app/query-client
 * The app's TanStack Query client. Queries run even when the browser says it is offline
 * (`networkMode: 'always'`) so they fail with words instead of waiting paused forever, and
 * retry once: the views show errors with their own retry buttons.
 */
import { QueryClient } from '@tanstack/react-query';
import { ApiError } from '../api/api-error.js';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        networkMode: 'always',
        refetchOnWindowFocus: true,
        staleTime: 10_000,
        retry: (failures, error) =>
          failures < 1 && !(error instanceof ApiError && !error.retryable),
      },
      mutations: { networkMode: 'always', retry: false },
    },
  });
}
