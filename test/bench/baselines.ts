// The baselines in Node: the bounce in two worker_threads.
import { Worker } from 'node:worker_threads';
import { BOUNCE, type Mechanism } from './bounce.ts';

const SIDE = `${BOUNCE}
const { parentPort, workerData } = require('node:worker_threads');
bounce(workerData, (t) => parentPort.postMessage(t));`;

/** Microseconds per round trip over `rounds` round trips. */
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
