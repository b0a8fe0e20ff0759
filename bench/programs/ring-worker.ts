// One side of the ring benchmark (figure 3) in a worker: the ivshmem-wasm message ring or
// ringbuf.js, producing or consuming `count` messages of `size` bytes; replies with elapsed ms.
// Large messages go through reserve/commit and peek/consume, copied in and out, or (inPlace)
// stamped and checked in place: the zero-copy path, which moves the chunk without copying it.
import { parentPort } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { MessageConsumer, MessageProducer, ringContext, type RingContext } from '../../src/index.ts';

export interface RingJob {
  kind: 'ring' | 'ringbuf';
  role: 'producer' | 'consumer';
  count: number;
  size: number;
  batch: number;
  /** large messages: written and read in place (a stamp each), rather than copied in and out */
  inPlace?: boolean;
  memory: WebAssembly.Memory;
  region: { offset: number; size: number };
  state: number;
  /** ringbuf.js: its storage */
  sab?: SharedArrayBuffer;
}

let context: RingContext | undefined;

async function run(job: RingJob): Promise<number> {
  context ??= await ringContext(job.memory);
  const payload = new Uint8Array(job.size).fill(0xab);
  // Room for any message: the consumer's read() then takes one call into the core.
  const into = new Uint8Array(Math.max(job.size, 1 << 20));
  const start = performance.now();
  if (job.kind === 'ringbuf') {
    const rb = new RingBuffer(job.sab!, Uint8Array);
    const exact = new Uint8Array(job.size);
    if (job.role === 'producer') {
      for (let i = 0; i < job.count; i++) while (rb.push(payload) === 0) { /* full: spin */ }
    } else {
      for (let i = 0; i < job.count; i++) {
        let got = 0;
        while (got < job.size) got += rb.pop(got === 0 ? exact : exact.subarray(got));
      }
    }
    return performance.now() - start;
  }
  if (job.role === 'producer') {
    const tx = new MessageProducer(context, { region: job.region, state: job.state });
    for (let i = 0; i < job.count; i++) {
      if (job.size >= 4096) {
        let view = tx.reserve(job.size);
        while (!view) view = tx.reserve(job.size); // full: spin, as ringbuf.js does
        if (job.inPlace) view[0] = i & 0xff;
        else view.set(payload);
        tx.commit(job.size);
        tx.publish();
        continue;
      }
      if (!tx.write(payload)) {
        tx.publish();
        while (!tx.write(payload)) { /* full: spin, as ringbuf.js does */ }
      }
      if ((i + 1) % job.batch === 0) tx.publish();
    }
    tx.publish();
  } else {
    const rx = new MessageConsumer(context, { region: job.region, state: job.state });
    for (let i = 0; i < job.count; i++) {
      if (job.size >= 4096) {
        let view = rx.peek();
        while (!view) { rx.release(); view = rx.peek(); }
        if (!job.inPlace) into.set(view);
        else if (view[0] !== (i & 0xff)) throw new Error(`chunk ${i}: stamp ${view[0]}`);
        rx.consume();
        rx.release();
        continue;
      }
      while (rx.read(into) < 0) rx.release();
      if ((i + 1) % job.batch === 0) rx.release();
    }
    rx.release();
  }
  return performance.now() - start;
}

parentPort!.on('message', (job: RingJob) => {
  run(job).then((ms) => parentPort!.postMessage({ ms }), (error) => parentPort!.postMessage({ error: String(error?.stack ?? error) }));
});
