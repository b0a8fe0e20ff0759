// A benchmark table as Markdown, and its rows' comparisons (ratios and goals); shared by the Node
// report and the benchmark page.
import { pairedRatio, ratioOf, summarize, type Row, type Table } from './stats.ts';

function format(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : abs >= 1 ? value.toFixed(2) : value.toFixed(3);
}

export type Verdict = 'met' | 'within noise' | 'NOT met';

/**
 * Each comparison of a row: the ratio (the median of the per-round ratios when both rows were
 * measured interleaved, else the ratio of the medians) with its confidence interval, and the
 * goal's verdict: met, NOT met when even the interval's favourable end misses it, and "within
 * noise" between the two (the median misses the goal, but this run cannot tell them apart). A
 * "not worse" goal (a margin) is met only when the interval's unfavourable end is within it.
 */
export function comparisons(table: Table, row: Row) {
  const relative = (row.compare ?? []).map((c) => {
    const other = table.rows.find((r) => r.label === c.to);
    const paired = other ? pairedRatio(row, other) : undefined;
    const ratio = paired?.ratio ?? ratioOf(table, row, c.to);
    const ci = paired ? [paired.low, paired.high] as [number, number] : undefined;
    let verdict: Verdict | undefined;
    if (ratio !== undefined && c.atMost !== undefined) {
      const [low, high] = ci ?? [ratio, ratio];
      const limit = c.atMost * (1 + (c.margin ?? 0));
      verdict = c.margin === undefined ? judge(ratio <= c.atMost, low <= c.atMost) : judge(high <= limit, low <= limit);
    }
    if (ratio !== undefined && c.atLeast !== undefined && verdict !== 'NOT met') {
      const faster = judge(1 / ratio >= c.atLeast, 1 / (ci?.[0] ?? ratio) >= c.atLeast);
      verdict = verdict === undefined || faster !== 'met' ? faster : verdict;
    }
    return { to: c.to, ratio, ci, atMost: c.atMost, margin: c.margin, atLeast: c.atLeast, met: verdict === undefined ? undefined : verdict === 'met', verdict, absolute: false };
  });
  if ((row.goal === undefined && row.floor === undefined) || row.samples.length === 0) return relative;
  const median = summarize(row.samples).median;
  const absolute = [];
  for (const [limit, met, sign] of [[row.goal, median <= (row.goal ?? 0), '<='], [row.floor, median >= (row.floor ?? 0), '>=']] as const) {
    if (limit === undefined) continue;
    absolute.push({ to: `${limit} ${table.unit}`, sign, ratio: median / limit, ci: undefined, atMost: 1, margin: undefined, atLeast: undefined, met, verdict: (met ? 'met' : 'NOT met') as Verdict, absolute: true });
  }
  return [...absolute, ...relative];
}

function judge(met: boolean, possible: boolean): Verdict {
  return met ? 'met' : possible ? 'within noise' : 'NOT met';
}

function compareText(c: ReturnType<typeof comparisons>[number]): string {
  if (c.absolute) return `goal ${'sign' in c ? c.sign : '<='} ${c.to}: ${c.verdict}`;
  if (c.ratio === undefined) return `vs ${c.to}: -`;
  const ci = c.ci ? `, 95% CI ${format(c.atLeast === undefined ? c.ci[0] : 1 / c.ci[1])}-${format(c.atLeast === undefined ? c.ci[1] : 1 / c.ci[0])}` : '';
  const margin = c.margin === undefined ? '' : `, not worse by more than ${Math.round(c.margin * 100)}%`;
  const goal = c.atMost !== undefined ? ` (goal <= ${c.atMost}x${margin}: ${c.verdict}${ci})`
    : c.atLeast !== undefined ? ` (goal >= ${c.atLeast}x faster: ${c.verdict}${ci})` : ci ? ` (${ci.slice(2)})` : '';
  const text = c.atLeast === undefined ? `${format(c.ratio)}x ${c.to}`
    : c.ratio <= 1 ? `${format(1 / c.ratio)}x faster than ${c.to}` : `${format(c.ratio)}x slower than ${c.to}`;
  return text + goal;
}

export function markdown(table: Table): string {
  const lines = [`### ${table.title}`, '', `| | median (${table.unit}) | p99 (${table.unit}) | n | compared |`, '| --- | --- | --- | --- | --- |'];
  for (const row of table.rows) {
    const s = summarize(row.samples);
    const compared = comparisons(table, row).map(compareText);
    if (row.note) compared.push(row.note);
    lines.push(`| ${row.label} | ${format(s.median)} | ${format(s.p99)} | ${s.n} | ${compared.join('; ')} |`);
  }
  if (table.method) lines.push('', table.method);
  return lines.join('\n');
}
