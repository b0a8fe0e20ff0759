// Reporting a benchmark (Node side): print each figure as a Markdown table and write
// bench/results/<name>.json with the machine, the runtimes, the date, the machine's load before and
// after, and every row's median, p99, samples and ratios (with the goals and whether they are met).
//
// Use (any benchmark, in Node or driving a browser):
//
//   import { Report } from '../lib/report.ts';
//   import { measureTable } from '../lib/stats.ts';
//   const report = new Report('node-rings', 'Rings, worker to worker', { quick });
//   report.add(await measureTable({ title: '64-byte messages', unit: 'M/s', rounds: 9, contenders }));
//   report.note('ringbuf.js 0.4 beside it');
//   await report.write();            // prints nothing more; the tables were printed by add()
//
// `runtime` takes extra versions (e.g. { chromium: browser.version() }). Figures are medians of
// samples taken interleaved with their baselines (bench/lib/stats.ts); p99 is over those samples.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { comparisons, markdown } from './markdown.ts';
import { summarize, type Table } from './stats.ts';

const RESULTS = new URL('../results/', import.meta.url);

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

function loadavg(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

export class Report {
  private readonly tables: Table[] = [];
  private readonly notes: string[] = [];
  private readonly loadBefore = loadavg();
  private readonly started = new Date();

  constructor(
    /** the JSON's name: bench/results/<name>.json */
    readonly name: string,
    readonly title: string,
    private readonly options: { quick?: boolean; runtime?: Record<string, string> } = {},
  ) {
    console.log(`## ${title}\n\n${this.header()}\n`);
  }

  private header(): string {
    const m = machine();
    const runtime = { node: process.version, v8: process.versions.v8, ...this.options.runtime };
    return `${m.cpu}, ${m.cores} cores, ${m.platform}; ${Object.entries(runtime).map(([k, v]) => `${k} ${v}`).join(', ')}; `
      + `${this.started.toISOString()}; load average ${this.loadBefore.join(' ')}${this.options.quick ? '; --quick' : ''}`;
  }

  /** Adds a figure and prints it. */
  add(table: Table): void {
    this.tables.push(table);
    console.log(`${markdown(table)}\n`);
  }

  note(text: string): void {
    this.notes.push(text);
    console.log(`${text}\n`);
  }

  async write(): Promise<string> {
    await mkdir(RESULTS, { recursive: true });
    const file = new URL(`${this.name}.json`, RESULTS);
    const json = {
      name: this.name,
      title: this.title,
      date: this.started.toISOString(),
      finished: new Date().toISOString(),
      quick: !!this.options.quick,
      machine: machine(),
      runtime: { node: process.version, v8: process.versions.v8, ...this.options.runtime },
      load: { before: this.loadBefore, after: loadavg() },
      tables: this.tables.map((table) => ({
        title: table.title,
        unit: table.unit,
        method: table.method,
        rows: table.rows.map((row) => ({
          label: row.label,
          ...summarize(row.samples),
          samples: row.samples,
          ratios: comparisons(table, row),
          note: row.note,
        })),
      })),
      notes: this.notes,
    };
    await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`wrote ${file.pathname}`);
    return file.pathname;
  }
}

/** `--quick` on the command line (or BENCH_QUICK=1). */
export function quickFlag(argv = process.argv): boolean {
  return argv.includes('--quick') || process.env.BENCH_QUICK === '1';
}

/** `--name=a,b,c` of the command line, as its list (undefined when absent). */
export function listFlag(name: string, argv = process.argv): string[] | undefined {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(',');
}

/** `--name=1,2,3` of the command line, as whole numbers (undefined when absent); anything else is an error. */
export function countsFlag(name: string, argv = process.argv): number[] | undefined {
  const list = listFlag(name, argv);
  if (list?.some((x) => !/^\d+$/.test(x))) throw new Error(`--${name}: expected whole numbers separated by commas, got "${list.join(',')}"`);
  return list?.map(Number);
}
