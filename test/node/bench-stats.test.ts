// The benchmarks' ratio and verdict (bench/lib/stats.ts, bench/lib/markdown.ts): a goal is met,
// missed, or missed by the median only ("within noise"), from the per-round ratios.
import { expect, test } from 'vitest';
import { pairedRatio, type Table } from '../../bench/lib/stats.ts';
import { comparisons, markdown } from '../../bench/lib/markdown.ts';

const row = (label: string, samples: number[]) => ({ label, samples });

test('the per-round ratios: their median, and x(4)..x(12) of 15 as the 95 % interval (binomial: 96.5 %)', () => {
  const other = Array.from({ length: 15 }, (_, i) => 10 + i);
  // round i's ratio is 0.5 + i / 10, scrambled so that the rounds are not in order
  const order = [7, 3, 12, 0, 14, 5, 9, 1, 11, 4, 13, 2, 8, 6, 10];
  const samples = other.map((x, i) => x * (0.5 + order[i] / 10));
  const r = pairedRatio(row('a', samples), row('b', other))!;
  expect(r.ratio).toBeCloseTo(1.2); // the 8th of 0.5 ... 1.9
  expect(r.low).toBeCloseTo(0.8); // the 4th
  expect(r.high).toBeCloseTo(1.6); // the 12th
});

test('with 5 rounds the interval is the smallest and largest ratio; rows of unequal length have none', () => {
  const r = pairedRatio(row('a', [1, 2, 3, 4, 5]), row('b', [1, 1, 1, 1, 1]))!;
  expect([r.ratio, r.low, r.high]).toEqual([3, 1, 5]);
  expect(pairedRatio(row('a', [1, 2]), row('b', [1]))).toBeUndefined();
});

test('a goal is met, NOT met, or within noise when only the median misses it', () => {
  const verdict = (ratios: number[]) => {
    const block = Array.from({ length: 15 }, () => 10);
    const table: Table = { title: 't', unit: 'us', rows: [
      { label: 'spin', samples: ratios.map((x) => x * 10), compare: [{ to: 'block', atMost: 1 }] }, row('block', block),
    ] };
    return comparisons(table, table.rows[0])[0].verdict;
  };
  const around = (center: number, spread: number) => Array.from({ length: 15 }, (_, i) => center + spread * (i - 7) / 7);
  expect(verdict(around(0.95, 0.1))).toBe('met');
  expect(verdict(around(1.03, 0.1))).toBe('within noise');
  expect(verdict(around(1.3, 0.1))).toBe('NOT met');
});

/** 'spin' over a 'block' row of 10s, round by round, with a "not worse" goal (5 % margin). */
function notWorseTable(ratios: number[]): Table {
  return { title: 't', unit: 'us', rows: [
    { label: 'spin', samples: ratios.map((x) => x * 10), compare: [{ to: 'block', atMost: 1, margin: 0.05 }] },
    row('block', ratios.map(() => 10)),
  ] };
}

test('a "not worse" goal (a margin) is met only when the whole interval is within it', () => {
  const verdict = (ratios: number[]) => { const t = notWorseTable(ratios); return comparisons(t, t.rows[0])[0].verdict; };
  // 15 rounds: the interval is the 4th..12th ratio, center -/+ 4/7 of the spread
  const around = (center: number, spread: number) => Array.from({ length: 15 }, (_, i) => center + spread * (i - 7) / 7);
  expect(verdict(around(1.0, 0.02))).toBe('met'); // 0.989-1.011
  expect(verdict(around(1.03, 0.01))).toBe('met'); // worse, by 2.4-3.6 %: within the margin
  expect(verdict(around(0.98, 0.3))).toBe('within noise'); // 0.81-1.15: the median is better, but not shown
  expect(verdict(around(1.1, 0.02))).toBe('NOT met'); // 1.089-1.111
  expect(markdown(notWorseTable(around(1.0, 0.02)))).toContain('1.00x block (goal <= 1x, not worse by more than 5%: met, 95% CI 0.989-1.01)');
});
