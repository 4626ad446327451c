import type { UsageDay } from '@atlas/protocol';
import { cleanup, configure, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageChart } from './UsageChart.js';
import { UsageTooltip } from './UsageTooltip.js';
import { toChartSeries } from './usage-chart-data.js';
import { giveChartASize } from './usage-test-kit.js';

// Two cores shared by several test runs: give findBy/waitFor room beyond the 1 s default.
configure({ asyncUtilTimeout: 5_000 });

afterEach(cleanup);

const days: UsageDay[] = [
  { date: '2026-11-19', byFeature: { vision: 0.12 }, totalUsd: 0.12 },
  { date: '2026-11-20', byFeature: {}, totalUsd: 0 },
  { date: '2026-11-21', byFeature: { chat: 0.03, voice_stt: 0.0042 }, totalUsd: 0.0342 },
];

describe('toChartSeries', () => {
  it('makes one row per day with a number for every feature that has spend', () => {
    const { rows, features } = toChartSeries(days);
    expect(features).toEqual(['chat', 'voice_stt', 'vision']);
    expect(rows).toEqual([
      { date: '2026-11-19', label: 'Nov 19', totalUsd: 0.12, chat: 0, voice_stt: 0, vision: 0.12 },
      { date: '2026-11-20', label: 'Nov 20', totalUsd: 0, chat: 0, voice_stt: 0, vision: 0 },
      {
        date: '2026-11-21',
        label: 'Nov 21',
        totalUsd: 0.0342,
        chat: 0.03,
        voice_stt: 0.0042,
        vision: 0,
      },
    ]);
  });

  it('leaves out features with no spend and features this client does not know', () => {
    const { features } = toChartSeries([
      { date: '2026-11-21', byFeature: { chat: 0, telepathy: 1, voice_tts: 0.5 }, totalUsd: 1.5 },
    ]);
    expect(features).toEqual(['voice_tts']);
  });
});

describe('UsageChart', () => {
  let restoreLayout: () => void;
  beforeEach(() => {
    restoreLayout = giveChartASize();
  });
  afterEach(() => restoreLayout());

  it('draws one stacked series per feature, each with its legend entry and colour', async () => {
    const { container } = render(<UsageChart days={days} />);
    const chart = screen.getByTestId('usage-chart');
    expect(chart.dataset.series).toBe('chat,voice_stt,vision');
    const legend = container.querySelector('.recharts-legend-wrapper');
    expect(legend).not.toBeNull();
    const legendText = within(legend as HTMLElement);
    // In stacking order, bottom to top, not alphabetical.
    expect(legend?.textContent).toBe('ChatVoice: listeningVision');
    expect(legendText.getByText('Chat')).toBeTruthy();
    expect(legendText.getByText('Voice: listening')).toBeTruthy();
    expect(legendText.getByText('Vision')).toBeTruthy();
    // Recharts lays the bars out after its first commit.
    await waitFor(() => {
      expect(container.querySelectorAll('.recharts-bar-rectangle path').length).toBe(3);
    });
    const fills = [...container.querySelectorAll('.recharts-bar-rectangle path')].map((path) =>
      path.getAttribute('fill'),
    );
    // chat and voice_stt on Nov 21, vision on Nov 19; zero segments draw nothing.
    expect(new Set(fills)).toEqual(new Set(['#6366f1', '#0ea5e9', '#f59e0b']));
  });
});

describe('UsageTooltip', () => {
  it('lists each feature in dollars with enough decimals, and the total', () => {
    render(
      <UsageTooltip
        active
        label="Nov 21"
        payload={[
          { dataKey: 'chat', value: 0.03 },
          { dataKey: 'voice_stt', value: 0.0042 },
          { dataKey: 'vision', value: 0 },
        ]}
      />,
    );
    const card = screen.getByRole('status');
    expect(card.textContent).toContain('Nov 21');
    expect(within(card).getByText('$0.0042')).toBeTruthy();
    expect(within(card).getByText('$0.03')).toBeTruthy();
    expect(within(card).getByText('$0.034')).toBeTruthy();
    expect(within(card).queryByText('Vision')).toBeNull();
  });

  it('renders nothing when not hovering', () => {
    const { container } = render(<UsageTooltip active={false} payload={[]} />);
    expect(container.innerHTML).toBe('');
  });
});
