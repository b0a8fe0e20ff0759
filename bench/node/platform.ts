// Benchmark threads in Node: worker_threads running plain JavaScript source.
import { Worker } from 'node:worker_threads';
import { BUSY } from '../lib/bounce.ts';
import { inbox, type BenchWorker, type Platform } from '../lib/threads.ts';
import { threadControl } from '../native/threads.ts';

const GLUE = `const { parentPort } = require('node:worker_threads');
const on = (f) => parentPort.on('message', f);
const reply = (m) => parentPort.postMessage(m);
`;

function wrap(worker: Worker): BenchWorker {
  const messages = inbox();
  worker.on('message', (m) => messages.push(m));
  worker.on('error', (e) => messages.push(Promise.reject(e)));
  return {
    post: (message, transfer) => worker.postMessage(message, transfer as never),
    next: () => messages.next(),
    terminate: async () => { await worker.terminate(); },
  };
}

export const node: Platform = {
  name: `Node ${process.version}`,
  spawn: (source) => wrap(new Worker(GLUE + source, { eval: true })),
  busy: () => wrap(new Worker(BUSY, { eval: true })),
  threads: threadControl(() => [process.pid]),
};
