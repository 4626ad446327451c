import { cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from './chat-db.js';
import { MessageList } from './MessageList.js';
import { message } from './testing/chat-fixtures.js';

afterEach(cleanup);

function rows(count: number): StoredMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const { deletedAt: _deletedAt, ...row } = message(`m${i}`, 'c1');
    return row;
  });
}

describe('MessageList auto-scroll', () => {
  it('follows new messages unless the user scrolled up, and resumes at the bottom', () => {
    let contentHeight = 600;
    const view = render(<MessageList conversationId="c1" messages={rows(1)} onResend={() => {}} />);
    const scroller = view.container.querySelector('.messages') as HTMLDivElement;
    // happy-dom has no layout: give the scroller the sizes a browser would.
    Object.defineProperty(scroller, 'scrollHeight', {
      configurable: true,
      get: () => contentHeight,
    });
    Object.defineProperty(scroller, 'clientHeight', { configurable: true, value: 200 });
    const show = (count: number) =>
      view.rerender(<MessageList conversationId="c1" messages={rows(count)} onResend={() => {}} />);

    contentHeight = 1000;
    show(2);
    expect(scroller.scrollTop).toBe(1000);

    scroller.scrollTop = 100; // the user scrolls up to read
    fireEvent.scroll(scroller);
    contentHeight = 1400;
    show(3);
    expect(scroller.scrollTop).toBe(100);

    scroller.scrollTop = 1200; // back at the bottom
    fireEvent.scroll(scroller);
    contentHeight = 1600;
    show(4);
    expect(scroller.scrollTop).toBe(1600);
  });
});
