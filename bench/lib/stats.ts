// The benchmarks' measuring, shared by Node and the browser (no Node imports here).
//
// A figure is a Table: rows of samples in one unit, each row optionally compared with other rows
// of the same table (a ratio, and a goal the ratio should meet). Rows are measured *interleaved*
// (one sample of every contender, then the next round), so a ratio compares figures taken under
// the same machine load: the machines these run on are shared and noisy.
//
//   const table = await measureTable({
//     title: 'Doorbell round trip', unit: 'us', rounds: quick ? 5 : 21,
//     contenders: [
//       { label: 'raw spin', sample: () => spinPair.batch() },
//       { label: "'poll'", sample: () => pollPair.batch(), compare: [{ to: 'raw spin', atMost: 1.5 }] },
//     ],
//   });
//   report.add(table);   // bench/lib/report.ts (Node): prints it as Markdown and keeps it for the JSON
//
// In the browser, a figure returns its Table from the page (it is plain data) and the Node side
// (bench/browser.ts) reports it.

/** How a row compares with another row of its table: ratio = this median / that median. */
export interface Compare {
  /** the other row's label */
  to: string;
  /** goal: ratio <= atMost (e.g. 1.5 for "at most 1.5x raw spin") */
  atMost?: number;
  /**
   * With atMost: the goal is "not worse", judged as a non-inferiority test. Two things that cost
   * the same cannot be shown to meet `ratio <= atMost` by any number of samples (their median
   * ratio falls either side of it), only to be worse by less than a margin: met when the whole
   * interval is within atMost x (1 + margin), NOT met when the whole of it is beyond.
   */
  margin?: number;
  /** goal: that / this >= atLeast (e.g. 20 for "at least 20x faster than postMessage") */
  atLeast?: number;
}

export interface Row {
  label: string;
  samples: number[];
  compare?: Compare[];
  /** goal: median <= goal, in the table's unit */
  goal?: number;
  /** goal: median >= floor, in the table's unit (a rate, a capacity) */
  floor?: number;
  /** said beside the figure: what it is, or why it is missing */
  note?: string;
}

export interface Table {
  title: string;
  /** of every sample: 'us' per round trip, 'ns' per access, 'ms', 'KiB', 'M/s'... */
  unit: string;
  /** how a sample is taken (said under the table) */
  method?: string;
  rows: Row[];
}

export interface Summary {
  median: number;
  p99: number;
  min: number;
  max: number;
  n: number;
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[at];
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((x, y) => x - y);
  const n = sorted.length;
  const median = n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { median, p99: quantile(sorted, 0.99), min: sorted[0] ?? NaN, max: sorted[n - 1] ?? NaN, n };
}

export interface Contender {
  label: string;
  /** one sample, in the table's unit; undefined = not available here (say why in `note`) */
  sample?: () => Promise<number>;
  compare?: Compare[];
  goal?: number;
  floor?: number;
  note?: string;
}

export interface TableSpec {
  title: string;
  unit: string;
  method?: string;
  /** samples per contender */
  rounds: number;
  contenders: Contender[];
  /** called after each round, e.g. to show progress */
  onRound?(round: number): void;
}

/**
 * Takes `rounds` samples of every contender, one of each in turn, and returns the table. Each
 * round starts one contender further on, so that none always runs right after the same other
 * one: a sample taken just after two threads spun flat out for 40 ms ran some 10 % slower.
 */
export async function measureTable(spec: TableSpec): Promise<Table> {
  const rows: Row[] = spec.contenders.map((c) => ({ label: c.label, samples: [], compare: c.compare, goal: c.goal, floor: c.floor, note: c.note }));
  const n = spec.contenders.length;
  for (let round = 0; round < spec.rounds; round++) {
    for (let k = 0; k < n; k++) {
      const i = (round + k) % n;
      const sample = spec.contenders[i].sample;
      if (sample) rows[i].samples.push(await sample());
    }
    spec.onRound?.(round);
  }
  return { title: spec.title, unit: spec.unit, method: spec.method, rows };
}

/**
 * How many iterations of `run(n)` (which returns its elapsed milliseconds) fill about `targetMs`:
 * the fastest of three short trials, then scaled; at least `min`. One trial was not enough on a
 * loaded machine: a spinning pair descheduled once during its trial (milliseconds) got batches of
 * `min` rounds, and every later stall was then divided among those few rounds.
 */
export async function calibrate(run: (n: number) => Promise<number>, targetMs: number, min = 50, trial = 200): Promise<number> {
  let elapsed = Infinity;
  for (let i = 0; i < 3; i++) elapsed = Math.min(elapsed, Math.max(await run(trial), 0.01));
  return Math.max(min, Math.round((trial * targetMs) / elapsed));
}

/**
 * `row` over `other` when they were measured interleaved (sample i of each taken in round i, as
 * measureTable does): the median of the per-round ratios, and a confidence interval of that median
 * of at least 95 % (order statistics, which assume nothing of the distribution; with fewer than 6
 * rounds, the smallest and largest ratio). Undefined unless both rows have the same samples count.
 */
export function pairedRatio(row: Row, other: Row): { ratio: number; low: number; high: number } | undefined {
  const n = row.samples.length;
  if (n === 0 || other.samples.length !== n) return undefined;
  const ratios = row.samples.map((x, i) => x / other.samples[i]).sort((a, b) => a - b);
  // k: the largest with P(Binomial(n, 1/2) < k) <= 2.5 %; the interval is [x(k), x(n + 1 - k)].
  let k = 1;
  for (let j = 0, term = 0.5 ** n, cdf = 0; j < n; j++) {
    cdf += term; // P(X <= j)
    if (cdf > 0.025) break;
    k = j + 1;
    term = (term * (n - j)) / (j + 1);
  }
  return { ratio: summarize(ratios).median, low: ratios[k - 1], high: ratios[n - k] };
}

/** Ratio of two rows' medians (`row` over `to`), or undefined when either has no samples. */
export function ratioOf(table: Table, row: Row, to: string): number | undefined {
  const other = table.rows.find((r) => r.label === to);
  if (!other || other.samples.length === 0 || row.samples.length === 0) return undefined;
  return summarize(row.samples).median / summarize(other.samples).median;
}
