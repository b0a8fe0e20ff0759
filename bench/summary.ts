// `tsx bench/summary.ts`: the goals beside the latest figures in bench/results/*.json (Node and
// Chromium), as the Markdown table the README's Performance section shows.
import { readFile } from 'node:fs/promises';

/** A row's comparison as bench/lib/markdown.ts writes it. */
interface Ratio {
  to: string;
  ratio?: number;
  ci?: [number, number];
  verdict?: string;
}

interface Json {
  date: string;
  load: { before: number[]; after: number[] };
  runtime: Record<string, string>;
  machine: { cpu: string; cores: number };
  tables: { title: string; unit: string; rows: { label: string; median: number; p99: number; ratios?: Ratio[] }[] }[];
  quick: boolean;
}

async function load(name: string): Promise<Json | undefined> {
  try {
    return JSON.parse(await readFile(new URL(`./results/${name}.json`, import.meta.url), 'utf8')) as Json;
  } catch {
    return undefined;
  }
}

const fmt = (x: number | undefined, unit = '') => (x === undefined || !Number.isFinite(x) ? '-' : `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}${unit}`);

function median(json: Json | undefined, table: RegExp, row: RegExp): number | undefined {
  const t = json?.tables.find((x) => table.test(x.title));
  return t?.rows.find((r) => row.test(r.label))?.median;
}

const platforms = ['node', 'chromium'] as const;
const figures = Object.fromEntries(await Promise.all(platforms.map(async (p) => [p, {
  roundtrip: await load(`${p}-roundtrip`), core: await load(`${p}-core`), fanout: await load(`${p}-fanout`), driver: await load(`${p}-driver`),
}]))) as Record<(typeof platforms)[number], Record<'roundtrip' | 'core' | 'fanout' | 'driver', Json | undefined>>;

const busy = (n: number) => new RegExp(`round trip, ${n} extra busy thread`);
const alone = (n: number) => new RegExp(`alone, ${n} extra busy thread`);
const rt = (p: (typeof platforms)[number], n: number, row: RegExp) => median(figures[p].roundtrip, busy(n), row);
const MODE = (m: string) => new RegExp(`mode: '${m}'`);
const SPIN = /raw JS spin/;
const WAIT = /raw Atomics.wait/;
const POST = /postMessage/;
const EVENTFD = /eventfd/;

/** The row `row` of the round-trip table `title` compared with the row `to`, as the benchmark judged it. */
function ratioCell(p: (typeof platforms)[number], title: RegExp, row: RegExp, to: RegExp, show: (r: number, ci: string) => string): string {
  const table = figures[p].roundtrip?.tables.find((x) => title.test(x.title));
  const r = table?.rows.find((x) => row.test(x.label));
  const c = r?.ratios?.find((x) => to.test(x.to));
  if (!r || !c || c.ratio === undefined) return '-';
  const verdict = c.verdict === 'met' ? 'met' : `**${c.verdict?.toLowerCase()}**`;
  return `${fmt(r.median, ' us')} (${show(c.ratio, c.ci ? `, 95% CI ${fmt(c.ci[0])}-${fmt(c.ci[1])}` : '')}) ${verdict}`;
}

const rows: string[] = ['| goal | Node | Chromium |', '| --- | --- | --- |'];
const both = (label: string, cell: (p: (typeof platforms)[number]) => string) => rows.push(`| ${label} | ${cell('node')} | ${cell('chromium')} |`);
both("'poll' <= 1.5x raw JS spin", (p) => ratioCell(p, busy(0), MODE('poll'), SPIN, (r, ci) => `${fmt(r)}x of ${fmt(rt(p, 0, SPIN), ' us')}${ci}`));
both("'spin' <= 2x raw JS spin (0 busy threads)", (p) => ratioCell(p, busy(0), MODE('spin'), SPIN, (r, ci) => `${fmt(r)}x${ci}`));
const duel = (p: (typeof platforms)[number], n: number, row: RegExp) => median(figures[p].roundtrip, alone(n), row);
for (const n of [0, 1, 2]) {
  both(`'spin' never worse than 'block' (by 5 % at most), alone, ${n} busy thread${n === 1 ? '' : 's'}`,
    (p) => ratioCell(p, alone(n), MODE('spin'), MODE('block'), (r, ci) => `${fmt(r)}x 'block' ${fmt(duel(p, n, MODE('block')), ' us')}${ci}`));
}
both("'block' <= 1.0x raw Atomics.wait/notify", (p) => ratioCell(p, busy(0), MODE('block'), WAIT, (r, ci) => `${fmt(r)}x of ${fmt(rt(p, 0, WAIT), ' us')}${ci}`));
// The issue's comparisons with the pairs placed alike (pinned): bench/figures/roundtrip.ts, placedAlike.
const TWO_CORES = /placed alike: each pair on two cores/;
const ONE_CORE = /placed alike: each pair on one core/;
const placed = (p: (typeof platforms)[number], table: RegExp, row: RegExp) => median(figures[p].roundtrip, table, row);
both("pinned a core each: 'poll' <= 1.5x raw JS spin", (p) => ratioCell(p, TWO_CORES, MODE('poll'), SPIN, (r, ci) => `${fmt(r)}x of ${fmt(placed(p, TWO_CORES, SPIN), ' us')}${ci}`));
both("pinned a core each: 'spin' <= 2x 'poll'", (p) => ratioCell(p, TWO_CORES, MODE('spin'), MODE('poll'), (r, ci) => `${fmt(r)}x of ${fmt(placed(p, TWO_CORES, MODE('poll')), ' us')}${ci}`));
both("pinned a core each: 'block' <= 1.1x raw Atomics.wait/notify", (p) => ratioCell(p, TWO_CORES, MODE('block'), WAIT, (r, ci) => `${fmt(r)}x of ${fmt(placed(p, TWO_CORES, WAIT), ' us')}${ci}`));
both("pinned to one core: 'block' <= 1.1x raw Atomics.wait/notify", (p) => ratioCell(p, ONE_CORE, MODE('block'), WAIT, (r, ci) => `${fmt(r)}x of ${fmt(placed(p, ONE_CORE, WAIT), ' us')}${ci}`));
both("'block' <= 1.0x native eventfd", (p) => ratioCell(p, busy(0), MODE('block'), EVENTFD, (r, ci) => `${fmt(r)}x of ${fmt(rt(p, 0, EVENTFD), ' us')}${ci}`));
for (const [mode, x] of [['poll', 100], ['spin', 20], ['block', 20]] as const) {
  both(`'${mode}' >= ${x}x faster than postMessage`, (p) => ratioCell(p, busy(0), MODE(mode), POST, (r) => `${fmt(1 / r)}x faster than ${fmt(rt(p, 0, POST), ' us')}`));
}
const core = (p: (typeof platforms)[number], table: RegExp, row: RegExp) => median(figures[p].core, table, row);
// The driver path figure: each register access against a config read, judged as the figure did.
const verdict = (v: string | undefined) => (v === 'met' ? 'met' : `**${v?.toLowerCase() ?? '-'}**`);
const CONFIG = /^config\.read/;
function accessCell(p: (typeof platforms)[number], where: RegExp, rows: RegExp): string {
  const table = figures[p].driver?.tables.find((t) => where.test(t.title));
  const judged = (table?.rows ?? []).filter((r) => rows.test(r.label)).map((r) => ({ r, c: r.ratios?.find((x) => CONFIG.test(x.to)) }))
    .filter((x): x is { r: typeof x.r; c: Ratio } => x.c?.ratio !== undefined);
  if (judged.length === 0) return '-';
  const met = judged.filter((x) => x.c.verdict === 'met').length;
  const worst = judged.reduce((a, b) => (b.c.ratio! > a.c.ratio! ? b : a));
  const config = table!.rows.find((r) => CONFIG.test(r.label))!.median;
  const what = worst.r.label.replace(/: .*$/, '').replace(/ at 0x\w+$/, '');
  return judged.length === 1 ? `${fmt(worst.r.median, ' ns')} (${fmt(worst.c.ratio)}x of ${fmt(config, ' ns')}) ${verdict(worst.c.verdict)}`
    : `${met} of ${judged.length} met; worst ${what} ${fmt(worst.c.ratio)}x (${verdict(worst.c.verdict)}), config read ${fmt(config, ' ns')}`;
}
const BAR = /^BAR[0-2] (read|write), [1248] byte/;
const NOT_DOORBELL = /^(?!.*Doorbell)/;
for (const [where, name] of [[/page's thread/, "the page's thread"], [/VM worker/, 'a VM worker']] as const) {
  both(`every BAR access <= 2x a config read, ${name}`, (p) => accessCell(p, where, new RegExp(`${BAR.source}${NOT_DOORBELL.source.slice(1)}`)));
  both(`Doorbell write <= 4x a config read, ${name}`, (p) => accessCell(p, where, /Doorbell/));
}
function driverCell(p: (typeof platforms)[number], row: RegExp): string {
  const table = figures[p].driver?.tables.find((t) => /round trip beside vm.ring/.test(t.title));
  return (['poll', 'spin', 'block'] as const).map((mode) => {
    const r = table?.rows.find((x) => x.label.startsWith(`'${mode}'`) && row.test(x.label));
    const c = r?.ratios?.[0];
    return c?.ratio === undefined ? `${mode} -` : `${mode} ${fmt(c.ratio)}x ${verdict(c.verdict)}`;
  }).join(', ');
}
both("driver's round trip (Doorbell register, timed wait) <= 1.1x vm.ring + untimed wait", (p) => driverCell(p, /the driver's round trip/));
both('timed wait <= 1.1x untimed (vm.ring both)', (p) => driverCell(p, /^'\w+': vm\.ring \+ wait\(\{ mode: '\w+', timeoutMs \}\)$/));
both('.wasm <= 16 KiB', (p) => { const k = core(p, /size/, /wasm/); return k === undefined ? '-' : `${fmt(k, ' KiB')} ${k <= 16 ? 'met' : '**not met**'}`; });
both('VM spawn <= 50 ms (Node), <= 20 ms (Chromium), median', (p) => {
  const ms = core(p, /spawn/, /spare worker ready/);
  const cold = core(p, /spawn/, /first VM/);
  const limit = p === 'node' ? 50 : 20;
  return ms === undefined ? '-' : `${fmt(ms, ' ms')} with the spare worker ready ${ms <= limit ? 'met' : '**not met**'}; first VM ${fmt(cold, ' ms')}`;
});
both('register read, wasm vs the same decode in TypeScript', (p) => `${fmt(core(p, /ns per/, /IVPosition read: the core/), ' ns')} vs ${fmt(core(p, /ns per/, /IVPosition read: the same/), ' ns')}`);
both('trace cost per event, off / on', (p) => {
  const off = core(p, /ns per/, /trace off/);
  const on = core(p, /ns per/, /trace on/);
  return off === undefined || on === undefined ? '-' : `0 (one load) / ${fmt((on - off) / 2, ' ns')}`;
});
both('doorbell rate one way', (p) => `${fmt(median(figures[p].fanout, /rate/, /vm.ring/), ' M/s')}`);
both('broadcast to 2 / 8 / 64 / 256 / 1024 parked VMs', (p) => ['2', '8', '64', '256', '1024'].map((n) => fmt(median(figures[p].fanout, /broadcast/, new RegExp(`^${n} peers`)), ' us')).join(' / '));

const when = (p: (typeof platforms)[number]) => {
  const j = figures[p].roundtrip;
  return j ? `${p === 'node' ? `Node ${j.runtime.node}` : `Chromium ${j.runtime.chromium}`}: ${j.date.slice(0, 16).replace('T', ' ')} UTC, load average ${j.load.before[0]} before, ${j.load.after[0]} after` : `${p}: not run`;
};
const m = figures.node.roundtrip?.machine;
console.log(`${m ? `${m.cpu}, ${m.cores} cores. ` : ''}${when('node')}; ${when('chromium')}.`);
const driverWhen = (p: (typeof platforms)[number]) => {
  const j = figures[p].driver;
  return j ? `${p === 'node' ? 'Node' : 'Chromium'} ${j.date.slice(0, 16).replace('T', ' ')} UTC, load average ${j.load.before[0]} before, ${j.load.after[0]} after` : `${p} not run`;
};
console.log(`The driver path (figure 6): ${driverWhen('node')}; ${driverWhen('chromium')}.\n`);
console.log(rows.join('\n'));
