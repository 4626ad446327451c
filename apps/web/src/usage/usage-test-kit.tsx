/**
 * @module usage/usage-test-kit
 * Test support for the usage dashboard (imported by tests only): report and event fixtures, a
 * fake Atlas answering `/v1/usage` and `/v1/usage/events` through the real ApiClient, the
 * services and query client the page needs, and a box size for Recharts, which measures its
 * container and draws nothing in happy-dom, where every box is 0 × 0.
 */
import type { ClientConfig, UsageEvent, UsageResponse } from '@atlas/protocol';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { vi } from 'vitest';
import { ApiClient } from '../api/api-client.js';
import { createLogger } from '../app/logger.js';
import { type AppServices, ServicesProvider } from '../app/services.js';

function box(width: number, height: number): DOMRect {
  return {
    x: 0,
    y: 0,
    top: 0,
    left: 0,
    right: width,
    bottom: height,
    width,
    height,
    toJSON: () => ({}),
  };
}

/**
 * Gives Recharts' ResponsiveContainer a 640 × 280 box so it draws the chart. Only that box:
 * the legend is measured too, and a legend as tall as the chart would leave no room for bars.
 */
export function giveChartASize(): () => void {
  const original = HTMLElement.prototype.getBoundingClientRect;
  const spy = vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(function (
    this: HTMLElement,
  ) {
    return this.classList.contains('recharts-responsive-container')
      ? box(640, 280)
      : original.call(this);
  });
  return () => spy.mockRestore();
}

export function reportFixture(overrides: Partial<UsageResponse> = {}): UsageResponse {
  return {
    days: [
      { date: '2026-11-20', byFeature: { voice_stt: 0.0042 }, totalUsd: 0.0042 },
      { date: '2026-11-21', byFeature: { chat: 0.03, voice_tts: 0.01 }, totalUsd: 0.04 },
    ],
    totals: { byFeature: { chat: 0.03, voice_stt: 0.0042, voice_tts: 0.01 }, totalUsd: 0.0442 },
    tier: 'core',
    monthlyLimitUsd: 20,
    fractionUsed: 0.5,
    monthToDateUsd: 10,
    warning: false,
    resetsAt: '2026-12-01T00:00:00.000Z',
    ...overrides,
  };
}

export function eventFixture(index: number, overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    feature: 'chat',
    model: 'test-model',
    tokensInput: 100 + index,
    tokensOutput: 20,
    costUsd: 0.001 * (index + 1),
    createdAt: new Date(Date.UTC(2026, 10, 21, 12, 0) - index * 60_000).toISOString(),
    meta: {},
    ...overrides,
  };
}

export interface FakeRequest {
  url: URL;
  signal: AbortSignal | undefined;
}

type Handler = (url: URL) => Response | Promise<Response>;

/** A fetch that records every request and answers with the handler's response. */
export function fakeFetch(handler: Handler) {
  const requests: FakeRequest[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://atlas.test');
    requests.push({ url, signal: init?.signal ?? undefined });
    return handler(url);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests };
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** A response that never arrives, but fails with AbortError when the request is cancelled. */
export function never(signal: AbortSignal | undefined): Promise<Response> {
  return new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () =>
      reject(new DOMException('The operation was aborted.', 'AbortError')),
    );
  });
}

const config: ClientConfig = {
  version: 'test',
  voiceV2Enabled: true,
  voiceAvailable: true,
  auth: { url: null, anonKey: null },
  offline: false,
  providers: { stt: 'fake', llm: 'fake', tts: 'fake' },
};

export function testServices(fetch: typeof globalThis.fetch): AppServices {
  const getAccessToken = async () => 'test-token';
  return {
    config,
    api: new ApiClient({ baseUrl: 'http://atlas.test', getAccessToken, fetch }),
    getAccessToken,
    userId: 'user-1',
    logger: createLogger({ level: 'error', sink: { ...console, error: () => {} } }),
    baseUrl: 'http://atlas.test',
  };
}

export function testQueryClient(): QueryClient {
  // The dashboard's queries choose their own retries; without a delay a test that answers
  // with an error sees it at once, after those retries.
  return new QueryClient({ defaultOptions: { queries: { retry: false, retryDelay: 0 } } });
}

export function Providers(props: {
  services: AppServices;
  client: QueryClient;
  children: ReactNode;
}) {
  return (
    <QueryClientProvider client={props.client}>
      <ServicesProvider services={props.services}>{props.children}</ServicesProvider>
    </QueryClientProvider>
  );
}
