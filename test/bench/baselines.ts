// Baselines for the doorbell round trip, measured in the same run as the emulated path: two
// worker threads bouncing a token with nothing in between but the mechanism itself.
import { Worker } from 'node:worker_threads';

export type Mechanism = 'atomics-wait' | 'spin' | 'postMessage';

// Each worker is plain JavaScript, so the baseline carries no emulator code at all.
const SIDE = `
const { parentPort, workerData } = require('node:worker_threads');
const { mechanism, flag, me, rounds, first } = workerData;
const other = 1 - me;
if (mechanism === 'postMessage') {
  let n = 0;
  workerData.port.on('message', () => {
    n++;
    if (first && n === rounds) { parentPort.postMessage(performance.now()); return; }
    workerData.port.postMessage(0);
    if (!first && n === rounds) workerData.port.close();
  });
  if (first) { parentPort.postMessage(performance.now()); workerData.port.postMessage(0); }
} else {
  const words = new Int32Array(flag);
  if (first) parentPort.postMessage(performance.now());
  for (let i = 0; i < rounds; i++) {
    if (first) { Atomics.store(words, other, 1); Atomics.notify(words, other); }
    if (mechanism === 'spin') { while (Atomics.load(words, me) === 0) {} }
    else { while (Atomics.load(words, me) === 0) Atomics.wait(words, me, 0); }
    Atomics.store(words, me, 0);
    if (!first) { Atomics.store(words, other, 1); Atomics.notify(words, other); }
  }
  if (first) parentPort.postMessage(performance.now());
}
`;

/** Median-ready sample: microseconds per round trip over `rounds` round trips. */
export async function baselineRoundTrip(mechanism: Mechanism, rounds: number): Promise<number> {
  const flag = new SharedArrayBuffer(8);
  const { port1, port2 } = new MessageChannel();
  const start = (me: number, first: boolean, port: MessagePort) =>
    new Worker(SIDE, { eval: true, workerData: { mechanism, flag, me, rounds, first, port }, transferList: [port as never] });
  const server = start(1, false, port2 as unknown as MessagePort);
  const client = start(0, true, port1 as unknown as MessagePort);
  const times: number[] = [];
  await new Promise<void>((resolve, reject) => {
    client.on('message', (t: number) => { times.push(t); if (times.length === 2) resolve(); });
    client.on('error', reject);
    server.on('error', reject);
  });
  await Promise.all([client.terminate(), server.terminate()]);
  return ((times[1] - times[0]) * 1000) / rounds;
}
