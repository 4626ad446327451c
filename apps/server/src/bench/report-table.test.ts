import { describe, expect, it } from 'vitest';
import type { ProfileReport } from './latency-report.js';
import { formatCell, formatTable, latencyTable, targetsTable } from './report-table.js';

describe('formatTable', () => {
  it('sizes columns to their widest cell, text left and numbers (and their headers) right', () => {
    expect(
      formatTable(
        ['mode', 'p50'],
        [
          ['v1', 1234.5],
          ['v2-final', 7],
        ],
      ),
    ).toBe(
      ['mode         p50', '--------  ------', 'v1        1234.5', 'v2-final       7'].join('\n'),
    );
  });

  it('prints a missing figure as a dash', () => {
    expect(formatCell(null)).toBe('-');
    expect(formatCell(3)).toBe('3');
    expect(formatCell(2.25)).toBe('2.3');
  });
});

describe('latency and target tables', () => {
  const stage = { n: 2, p50: 10, p95: 12, floor: 8, addedP50: 2, addedP95: 4 };
  const report: ProfileReport = {
    profile: 'zero',
    modes: [
      {
        mode: 'v2-speculative',
        turns: 3,
        failed: 1,
        heardRight: 2,
        speculativeReleases: 2,
        stages: { firstPartial: stage, final: stage, firstText: stage, firstAudio: stage },
        server: {
          llmTtft: { p50: 1, p95: 2 },
          ttsTtfb: { p50: 1, p95: 2 },
          e2e: { p50: 1, p95: 2 },
        },
        errors: [],
      },
    ],
  };

  it('has one row per mode and stage, under a header with turn counts', () => {
    const lines = latencyTable(report).split('\n');
    expect(lines[0]).toBe(
      'profile zero: v2-speculative 2/3 turns ok, 2 heard right, 2 speculative',
    );
    expect(lines).toHaveLength(1 + 2 + 4 + 1);
    expect(lines.at(-1)).toBe(
      'as Atlas saw its providers (ms): v2-speculative LLM first token p50 1, TTS first byte p50 1',
    );
    expect(lines[3]).toMatch(/^v2-speculative\s+first partial .*\s2\s+10\s+12\s+8\s+2\s+4$/);
  });

  it('says plainly when a target is missed', () => {
    const text = targetsTable([
      { name: 'a', value: 5, target: '<= 10 ms', met: true },
      { name: 'b', value: null, target: '>= 5x', met: false },
    ]);
    expect(text.split('\n').slice(2)).toEqual([
      'a              5  <= 10 ms  yes',
      'b              -  >= 5x     NO',
    ]);
  });
});
