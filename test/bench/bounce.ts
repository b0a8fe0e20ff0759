// The baseline for a doorbell round trip: two workers bouncing a token with nothing in between but
// the mechanism itself (spinning on a shared word, Atomics.wait/notify, or postMessage). Plain
// JavaScript source, so it carries no emulator code; Node and the browser wrap it in their workers.
export type Mechanism = 'spin' | 'atomics-wait' | 'postMessage';

export interface BounceConfig {
  mechanism: Mechanism;
  flag: SharedArrayBuffer;
  me: 0 | 1;
  rounds: number;
  first: boolean;
  port: MessagePort;
}

/** `bounce(config, report)`: the first side reports the time before and after `rounds` round trips. */
export const BOUNCE = `
function bounce({ mechanism, flag, me, rounds, first, port }, report) {
  const other = 1 - me;
  if (mechanism === 'postMessage') {
    let n = 0;
    port.onmessage = () => {
      n++;
      if (first && n === rounds) { report(performance.now()); return; }
      port.postMessage(0);
      if (!first && n === rounds) port.close();
    };
    if (first) { report(performance.now()); port.postMessage(0); }
    return;
  }
  const words = new Int32Array(flag);
  if (first) report(performance.now());
  for (let i = 0; i < rounds; i++) {
    if (first) { Atomics.store(words, other, 1); Atomics.notify(words, other); }
    if (mechanism === 'spin') { while (Atomics.load(words, me) === 0) {} }
    else { while (Atomics.load(words, me) === 0) Atomics.wait(words, me, 0); }
    Atomics.store(words, me, 0);
    if (!first) { Atomics.store(words, other, 1); Atomics.notify(words, other); }
  }
  if (first) report(performance.now());
}`;

export type BenchRow = [label: string, medianUs: number, samplesUs: number[]];

export function median(values: number[]): number {
  return [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
}

/** Prints the rows and the ratios of each emulated wait mode to the baseline it is built on. */
export function printReport(title: string, rows: BenchRow[]): void {
  console.log(`${title}\n`);
  for (const [label, med, samples] of rows) {
    console.log(`${label.padEnd(46)} ${med.toFixed(2).padStart(8)} us   (runs: ${samples.map((s) => s.toFixed(2)).join(', ')})`);
  }
  const by = new Map(rows.map(([label, med]) => [label, med]));
  const ratio = (a: string, b: string) => (by.get(a)! / by.get(b)!).toFixed(2);
  console.log('\nratios (emulated / baseline):');
  console.log(`  poll  vs raw spin:          ${ratio("ivshmem-doorbell, wait mode 'poll'", 'baseline: raw spin')}`);
  console.log(`  spin  vs raw spin:          ${ratio("ivshmem-doorbell, wait mode 'spin'", 'baseline: raw spin')}`);
  console.log(`  block vs raw Atomics.wait:  ${ratio("ivshmem-doorbell, wait mode 'block'", 'baseline: raw atomics-wait')}`);
  console.log(`  block vs raw postMessage:   ${ratio("ivshmem-doorbell, wait mode 'block'", 'baseline: raw postMessage')}`);
}
