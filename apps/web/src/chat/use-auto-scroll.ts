/**
 * @module chat/use-auto-scroll
 * Keeps a scrolling list pinned to its newest item while content grows (a streaming reply),
 * unless the user has scrolled up to read: then it leaves them where they are until they
 * scroll back to the bottom.
 */
import { type RefObject, useCallback, useLayoutEffect, useRef } from 'react';

/** How close to the bottom (px) still counts as "at the bottom". */
const STICKY_THRESHOLD_PX = 48;

export function useAutoScroll(
  container: RefObject<HTMLElement | null>,
  /** Changes whenever content was added or grew. */
  contentVersion: unknown,
  /** Changes when a different list is shown: jump to its bottom. */
  listKey: string,
): { onScroll: () => void } {
  const pinned = useRef(true);
  const lastListKey = useRef(listKey);

  const onScroll = useCallback(() => {
    const element = container.current;
    if (element === null) return;
    const distance = element.scrollHeight - element.scrollTop - element.clientHeight;
    pinned.current = distance <= STICKY_THRESHOLD_PX;
  }, [container]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: contentVersion is the trigger, not an input
  useLayoutEffect(() => {
    const element = container.current;
    if (element === null) return;
    if (lastListKey.current !== listKey) {
      lastListKey.current = listKey;
      pinned.current = true;
    }
    if (pinned.current) element.scrollTop = element.scrollHeight;
  }, [container, contentVersion, listKey]);

  return { onScroll };
}
