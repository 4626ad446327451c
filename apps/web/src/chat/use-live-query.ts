/**
 * @module chat/use-live-query
 * Subscribes a component to a Dexie query: it re-renders whenever the tables the query read
 * change (this tab or another), so the UI reads only from the local store. `undefined` until
 * the first result; a failed query is thrown to the nearest error boundary.
 */
import { liveQuery } from 'dexie';
import { useEffect, useRef, useState } from 'react';

/**
 * @param key changes when the query does (e.g. the conversation id): the previous result is
 * dropped at once so one conversation's messages never show under another's title.
 */
export function useLiveQuery<T>(query: () => Promise<T>, key: string): T | undefined {
  const [state, setState] = useState<{ key: string; value: T } | { key: string; error: unknown }>();
  // The query closes over values named by `key`: the subscription follows `key`, and always
  // runs the latest closure rather than re-subscribing on every render.
  const latestQuery = useRef(query);
  latestQuery.current = query;

  useEffect(() => {
    const subscription = liveQuery(() => latestQuery.current()).subscribe({
      next: (value) => setState({ key, value }),
      error: (error: unknown) => setState({ key, error }),
    });
    return () => subscription.unsubscribe();
  }, [key]);

  if (state === undefined || state.key !== key) return undefined;
  if ('error' in state) throw state.error;
  return state.value;
}
