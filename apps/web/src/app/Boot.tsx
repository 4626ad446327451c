/**
 * @module app/Boot
 * Starts the app from the served configuration (`GET /v1/config`): a splash while it loads, a
 * retry screen in words when Atlas cannot be reached (it also retries by itself when the browser
 * comes back online), then the app.
 */
import type { ClientConfig } from '@atlas/protocol';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { describeError } from '../api/api-error.js';
import { loadClientConfig } from '../api/config.js';
import { logger } from './logger.js';

type BootState =
  | { status: 'loading' }
  | { status: 'failed'; message: string }
  | { status: 'ready'; config: ClientConfig };

interface Props {
  children: (config: ClientConfig) => ReactNode;
  load?: (signal: AbortSignal) => Promise<ClientConfig>;
}

const defaultLoad = (signal: AbortSignal) => loadClientConfig({ signal });

export function Boot({ children, load = defaultLoad }: Props) {
  const [state, setState] = useState<BootState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the load on retry
  useEffect(() => {
    const abort = new AbortController();
    setState({ status: 'loading' });
    load(abort.signal).then(
      (config) => {
        if (!abort.signal.aborted) setState({ status: 'ready', config });
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        logger.warn('loading /v1/config failed', { error: String(error) });
        setState({ status: 'failed', message: describeError(error) });
      },
    );
    return () => abort.abort();
  }, [load, attempt]);

  useEffect(() => {
    if (state.status !== 'failed') return;
    window.addEventListener('online', retry);
    return () => window.removeEventListener('online', retry);
  }, [state.status, retry]);

  if (state.status === 'ready') return <>{children(state.config)}</>;
  return (
    <main className="splash" aria-busy={state.status === 'loading'}>
      <div className="splash__card">
        <span className="brand brand--large" aria-hidden="true">
          <span className="brand__mark" />
          Atlas
        </span>
        {state.status === 'loading' ? (
          <p role="status">Connecting to Atlas…</p>
        ) : (
          <div role="alert" data-testid="boot-error">
            <h1 className="splash__title">Atlas is unreachable</h1>
            <p>{state.message}</p>
            <button type="button" className="button button--primary" onClick={retry}>
              Try again
            </button>
          </div>
        )}
      </div>
    </main>
  );
}
