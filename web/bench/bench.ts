// The doorbell round trip in this browser: two Web Workers bouncing a token by raw spinning, raw
// Atomics.wait/notify and postMessage (the baselines), beside two VM workers ringing each other's
// ivshmem-doorbell through the whole emulated path. Medians of several runs.
import { Host } from '../../src/index.ts';
import { programUrl } from '../conformance/programs.ts';
import { BOUNCE, median, type BenchRow, type Mechanism } from '../../test/bench/bounce.ts';

export type { BenchRow };

const SIDE = `${BOUNCE}
onmessage = ({ data }) => bounce(data, (t) => postMessage(t));`;

async function baseline(mechanism: Mechanism, rounds: number): Promise<number> {
  const url = URL.createObjectURL(new Blob([SIDE], { type: 'text/javascript' }));
  const flag = new SharedArrayBuffer(8);
  const { port1, port2 } = new MessageChannel();
  const a = new Worker(url);
  const b = new Worker(url);
  const times: number[] = [];
  const done = new Promise<void>((resolve) => {
    a.onmessage = ({ data }) => {
      times.push(data);
      if (times.length === 2) resolve();
    };
  });
  b.postMessage({ mechanism, flag, me: 1, rounds, first: false, port: port2 }, [port2]);
  a.postMessage({ mechanism, flag, me: 0, rounds, first: true, port: port1 }, [port1]);
  await done;
  a.terminate();
  b.terminate();
  URL.revokeObjectURL(url);
  return ((times[1] - times[0]) * 1000) / rounds;
}

async function emulated(mode: 'poll' | 'spin' | 'block', rounds: number): Promise<number> {
  const host = await Host.create({ memory: '32M' });
  host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const program = programUrl('ping-pong');
  const a = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program, arg: { rounds, serve: false, mode } });
  const b = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program, arg: { rounds, serve: true, mode } });
  const [ra] = (await Promise.all([a.result, b.result])) as { elapsedMs: number; received: number }[];
  await Promise.all([a.terminate(), b.terminate()]);
  if (ra.received !== rounds) throw new Error(`lost interrupts: ${ra.received} of ${rounds}`);
  return (ra.elapsedMs * 1000) / rounds;
}

export const BENCHMARKS: [string, (rounds: number) => Promise<number>][] = [
  ['baseline: raw spin', (r) => baseline('spin', r)],
  ['baseline: raw atomics-wait', (r) => baseline('atomics-wait', r)],
  ['baseline: raw postMessage', (r) => baseline('postMessage', r)],
  ["ivshmem-doorbell, wait mode 'poll'", (r) => emulated('poll', r)],
  ["ivshmem-doorbell, wait mode 'spin'", (r) => emulated('spin', r)],
  ["ivshmem-doorbell, wait mode 'block'", (r) => emulated('block', r)],
];

export async function runBench(runs: number, rounds: number, onRow: (row: BenchRow) => void = () => {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, sample] of BENCHMARKS) {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(await sample(rounds));
    const row: BenchRow = [label, median(samples), samples];
    rows.push(row);
    onRow(row);
  }
  return rows;
}
