// Benchmark threads in the browser: Web Workers running plain JavaScript source from a Blob URL.
import { BUSY } from '../../bench/lib/bounce.ts';
import { inbox, type BenchWorker, type Platform, type ThreadControl } from '../../bench/lib/threads.ts';

const GLUE = `const on = (f) => { onmessage = (e) => f(e.data); };
const reply = (m) => postMessage(m);
`;

function start(source: string): BenchWorker {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  const messages = inbox();
  worker.onmessage = (e) => messages.push(e.data);
  worker.onerror = (e) => messages.push(Promise.reject(new Error(e.message)));
  return {
    post: (message, transfer) => worker.postMessage(message, transfer ?? []),
    next: () => messages.next(),
    terminate: () => worker.terminate(),
  };
}

const chrome = navigator.userAgent.match(/Chrom(?:e|ium)\/([\d.]+)/)?.[1];

declare global {
  interface Window {
    // Set by bench:browser (Playwright's exposeFunction, which takes functions one by one): the
    // renderer's threads, read and pinned by Node on this machine (bench/native/threads.ts).
    benchCpus?: ThreadControl['cpus'];
    benchThreadTimes?: ThreadControl['times'];
    benchPin?: ThreadControl['pin'];
  }
}

export const browser: Platform = {
  name: chrome ? `Chromium ${chrome}` : navigator.userAgent,
  spawn: (source) => start(GLUE + source),
  busy: () => start(BUSY),
  get threads() {
    const { benchCpus, benchThreadTimes, benchPin } = window;
    return benchCpus && benchThreadTimes && benchPin ? { cpus: benchCpus, times: benchThreadTimes, pin: benchPin } : undefined;
  },
};
