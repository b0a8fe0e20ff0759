// Figure 1: the doorbell round trip between two VM workers in each wait mode, beside the raw
// mechanisms it is built on and native references, with 0, 1 and 2 extra busy threads (a page's
// UI, a chart, another tab). Runs unchanged in Node and in Chromium; the platform gives the threads.
import type { WaitMode } from '../../src/index.ts';
import { calibrate, measureTable, type Compare, type Contender, type Table } from '../lib/stats.ts';
import { bouncePair, busyThreads, type Pair, type Platform } from '../lib/threads.ts';
import { vmPair } from '../lib/vm-pair.ts';
import type { SpinStats } from '../../src/vm/wait-policy.ts';

export interface RoundTripOptions {
  platform: Platform;
  /** URL of bench/programs/ping-pong.ts as a VM worker imports it */
  programUrl: string;
  quick: boolean;
  /** native references: microseconds per round trip, or why they are not measured */
  native?: { sample(mode: 'spin' | 'eventfd', rounds: number): Promise<number> } | { absent: string };
  busy?: number[];
  progress?(text: string): void;
}

export const LABELS = {
  spin: 'raw JS spin on a shared word',
  wait: 'raw Atomics.wait/notify',
  post: 'MessageChannel postMessage',
  nativeSpin: 'native: 2 processes spinning on a cache line',
  nativeEventfd: 'native: 2 processes, eventfd read/write',
  mode: (mode: WaitMode) => `ivshmem-doorbell, wait({ mode: '${mode}' })`,
};

function goals(mode: WaitMode, idle: boolean): Compare[] {
  const post = { to: LABELS.post, atLeast: idle ? (mode === 'poll' ? 100 : 20) : undefined };
  switch (mode) {
    case 'poll': return [{ to: LABELS.spin, atMost: idle ? 1.5 : undefined }, post];
    case 'spin': return [{ to: LABELS.spin, atMost: idle ? 2 : undefined }, { to: LABELS.mode('block'), atMost: 1 }, post];
    case 'block': return [{ to: LABELS.wait, atMost: 1 }, { to: LABELS.nativeEventfd, atMost: idle ? 1 : undefined }, post];
  }
}

/** What the 'spin' policy did over a table's samples, side 0 / side 1 (src/vm/wait-policy.ts). */
function policyNote(before: SpinStats[], after: SpinStats[]): string {
  const d = (k: keyof SpinStats) => after.map((a, side) => a[k] - (before[side]?.[k] ?? 0)).join('/');
  return `policy, side 0/1: ${d('spun')} waits spun (${d('caught')} caught the reply, ${d('ranOut')} ran out, `
    + `${d('costlier')} cost more than parking), ${d('parked')} parked, ${d('probes')} probes (${d('probesHeld')} held)`;
}

export async function roundTripFigure(options: RoundTripOptions): Promise<Table[]> {
  const { platform, quick } = options;
  const say = options.progress ?? (() => {});
  const targetMs = quick ? 12 : 40;
  const samples = quick ? 5 : 15;
  const pairs: [string, Pair][] = [];
  const tables: Table[] = [];
  try {
    pairs.push([LABELS.spin, await bouncePair(platform, 'spin')]);
    pairs.push([LABELS.wait, await bouncePair(platform, 'atomics-wait')]);
    pairs.push([LABELS.post, await bouncePair(platform, 'postMessage')]);
    let spinPair: Awaited<ReturnType<typeof vmPair>> | undefined;
    for (const mode of ['poll', 'spin', 'block'] as WaitMode[]) {
      say(`starting two VMs for '${mode}'`);
      const pair = await vmPair(options.programUrl, mode);
      if (mode === 'spin') spinPair = pair;
      pairs.push([LABELS.mode(mode), pair]);
    }
    const native = options.native;
    for (const busy of options.busy ?? [0, 1, 2]) {
      say(`${busy} busy thread(s)`);
      const stopBusy = busyThreads(platform, busy);
      try {
        const contenders: Contender[] = [];
        for (const [label, pair] of pairs) {
          // Microseconds per round trip; each sample is one batch sized to take about targetMs.
          const rounds = await calibrate((n) => pair.batch(n), targetMs, 20, 50);
          // Untimed warm-up: JIT, caches, and the 'spin' policy's state reach their steady state.
          await pair.batch(rounds * 2);
          const mode = (['poll', 'spin', 'block'] as WaitMode[]).find((m) => label === LABELS.mode(m));
          contenders.push({
            label,
            sample: async () => ((await pair.batch(rounds)) * 1000) / rounds,
            compare: mode ? goals(mode, busy === 0) : undefined,
          });
        }
        for (const [label, mode] of [[LABELS.nativeSpin, 'spin'], [LABELS.nativeEventfd, 'eventfd']] as const) {
          if (!native || 'absent' in native) {
            contenders.push({ label, note: native?.absent ?? 'not measured on this platform' });
            continue;
          }
          const rounds = mode === 'spin' ? (quick ? 20_000 : 100_000) : (quick ? 2_000 : 10_000);
          contenders.push({ label, sample: () => native.sample(mode, rounds) });
        }
        const before = spinPair!.spinStats();
        const table = await measureTable({
          title: `${platform.name}: doorbell round trip, ${busy} extra busy thread${busy === 1 ? '' : 's'}`,
          unit: 'us',
          rounds: samples,
          method: `Each sample is one batch of round trips (sized to take about ${targetMs} ms, after an untimed warm-up `
            + `batch twice that size) divided by its count; every contender gives one sample in turn, ${samples} rounds; `
            + 'median and p99 are over the samples.',
          contenders,
        });
        const spinRow = table.rows.find((r) => r.label === LABELS.mode('spin'));
        if (spinRow) spinRow.note = policyNote(before, spinPair!.spinStats());
        tables.push(table);
      } finally {
        await stopBusy();
      }
    }
  } finally {
    await Promise.all(pairs.map(([, pair]) => pair.close()));
  }
  return tables;
}
