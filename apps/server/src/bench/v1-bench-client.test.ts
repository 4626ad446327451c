import { describe, expect, it } from 'vitest';
import { type SseEvent, takeSseEvents } from './v1-bench-client.js';

describe('takeSseEvents', () => {
  it('yields complete events and hands back the incomplete rest', () => {
    let rest = '';
    const events: SseEvent[] = [
      ...takeSseEvents(
        'event: delta\ndata: {"text":"Hi"}\n\n: ping\n\nevent: done\ndata: {',
        (r) => {
          rest = r;
        },
      ),
    ];
    expect(events).toEqual([{ event: 'delta', data: '{"text":"Hi"}' }]);
    expect(rest).toBe('event: done\ndata: {');
  });

  it('joins multi-line data and defaults the event name', () => {
    const events = [...takeSseEvents('data: a\ndata: b\n\n', () => {})];
    expect(events).toEqual([{ event: 'message', data: 'a\nb' }]);
  });
});
