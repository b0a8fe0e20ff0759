// A benchmark table as Markdown, and its rows' comparisons (ratios and goals); shared by the Node
// report and the benchmark page.
import { ratioOf, summarize, type Row, type Table } from './stats.ts';

function format(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : abs >= 1 ? value.toFixed(2) : value.toFixed(3);
}

export function comparisons(table: Table, row: Row) {
  const relative = (row.compare ?? []).map((c) => {
    const ratio = ratioOf(table, row, c.to);
    let met: boolean | undefined;
    if (ratio !== undefined && c.atMost !== undefined) met = ratio <= c.atMost;
    if (ratio !== undefined && c.atLeast !== undefined) met = 1 / ratio >= c.atLeast && met !== false;
    return { to: c.to, ratio, atMost: c.atMost, atLeast: c.atLeast, met, absolute: false };
  });
  if (row.goal === undefined || row.samples.length === 0) return relative;
  const median = summarize(row.samples).median;
  return [{ to: `${row.goal} ${table.unit}`, ratio: median / row.goal, atMost: 1, atLeast: undefined, met: median <= row.goal, absolute: true }, ...relative];
}

function compareText(c: ReturnType<typeof comparisons>[number]): string {
  if (c.absolute) return `goal <= ${c.to}: ${c.met ? 'met' : 'NOT met'}`;
  if (c.ratio === undefined) return `vs ${c.to}: -`;
  const goal = c.atMost !== undefined ? ` (goal <= ${c.atMost}x: ${c.met ? 'met' : 'NOT met'})`
    : c.atLeast !== undefined ? ` (goal >= ${c.atLeast}x faster: ${c.met ? 'met' : 'NOT met'})` : '';
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
