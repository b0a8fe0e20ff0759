// `npm run bench`: the doorbell round trip between two VM workers, through the whole emulated
// path (Doorbell register decode, peer table, eventfd slot, MSI-X logic, IRR, wake-up), printed
// beside baselines measured in the same run on the same machine. Medians of several runs; these
// machines are shared and noisy, so read the ratios.
import { Host, driver, type WaitMode } from '../../src/index.ts';
import { baselineRoundTrip } from './baselines.ts';
import { median, printReport, type BenchRow, type Mechanism } from './bounce.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20_000);
const program = new URL('../programs/ping-pong.ts', import.meta.url).href;

async function emulated(mode: WaitMode): Promise<number> {
  const host = await Host.create({ memory: '32M' });
  host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const a = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program, arg: { rounds: ROUNDS, serve: false, mode } });
  const b = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program, arg: { rounds: ROUNDS, serve: true, mode } });
  const [ra] = (await Promise.all([a.result, b.result])) as { elapsedMs: number; received: number }[];
  await Promise.all([a.terminate(), b.terminate()]);
  if (ra.received !== ROUNDS) throw new Error(`lost interrupts: ${ra.received} of ${ROUNDS}`);
  return (ra.elapsedMs * 1000) / ROUNDS;
}

/** The device logic alone, on one thread: ring a host-side device and take the interrupt. */
async function registerPath(): Promise<{ emulatedNs: number; baselineNs: number }> {
  const host = await Host.create({ memory: '32M' });
  host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const a = host.realize('ivshmem-doorbell,chardev=srv');
  const b = host.realize('ivshmem-doorbell,chardev=srv');
  driver.bringUpDoorbell(a);
  driver.enableDevice(b);
  const n = 200_000;
  const bar0 = b.bar(0);
  const value = a.ivPosition << 16;
  let t = performance.now();
  for (let i = 0; i < n; i++) {
    bar0.write(12, 4, value);
    a.interrupts.take();
  }
  const emulatedNs = ((performance.now() - t) * 1e6) / n;
  // Baseline: the least a doorbell can be in JavaScript: an atomic add, a load, an exchange.
  const words = new Int32Array(new SharedArrayBuffer(64));
  t = performance.now();
  for (let i = 0; i < n; i++) {
    Atomics.add(words, 0, 1);
    if (Atomics.load(words, 1) > 0) Atomics.notify(words, 0);
    Atomics.exchange(words, 0, 0);
  }
  const baselineNs = ((performance.now() - t) * 1e6) / n;
  return { emulatedNs, baselineNs };
}

async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  const measure = async (label: string, sample: () => Promise<number>) => {
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) samples.push(await sample());
    rows.push([label, median(samples), samples]);
  };
  for (const mechanism of ['spin', 'atomics-wait', 'postMessage'] as Mechanism[]) {
    await measure(`baseline: raw ${mechanism}`, () => baselineRoundTrip(mechanism, ROUNDS));
  }
  for (const mode of ['poll', 'spin', 'block'] as WaitMode[]) {
    await measure(`ivshmem-doorbell, wait mode '${mode}'`, () => emulated(mode));
  }
  const cores = (await import('node:os')).cpus().length;
  printReport(`Node ${process.version}, ${cores} cores: doorbell round trip between two worker threads, median of ${RUNS} runs x ${ROUNDS}`, rows);
  const path = await registerPath();
  console.log(`\none thread, ring + take through the registers: ${path.emulatedNs.toFixed(0)} ns per doorbell; bare atomics baseline ${path.baselineNs.toFixed(0)} ns (x${(path.emulatedNs / path.baselineNs).toFixed(1)})`);
}

await main();
