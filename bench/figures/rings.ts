// Figure 3: the SPSC message ring, worker to worker, beside ringbuf.js 0.4 on the same sizes and
// a single-thread memcpy of the same bytes: 64-byte messages (time per message: batches of 32
// published at once, and one publish per message) and 64 KiB chunks (time per chunk: zero copy,
// written and read in place, and copied in and out through reserve/commit and peek/consume). Both
// rings spin when full or empty, so the figure is the rings' own cost, not a wake-up's. Node only
// for now (the workers load TypeScript through tsx).
import { Worker } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { formatMessageRing, ringContext } from '../../src/index.ts';
import { measureTable, type Table } from '../lib/stats.ts';
import type { RingJob } from '../programs/ring-worker.ts';

const REGION = { offset: 0x100000, size: 0x200000 };
const STATES = [0x60000, 0x80000];

function tsWorker(): { run(job: unknown): Promise<number>; close(): Promise<number> } {
  const url = new URL('../programs/ring-worker.ts', import.meta.url).href;
  const worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`, { eval: true });
  return {
    run: (job) => new Promise((resolve, reject) => {
      worker.once('message', (m: { ms?: number; error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m.ms!)));
      worker.postMessage(job);
    }),
    close: () => worker.terminate(),
  };
}

export async function ringsFigure(options: { quick: boolean; progress?(text: string): void }): Promise<Table[]> {
  const say = options.progress ?? (() => {});
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 64, shared: true });
  const context = await ringContext(memory);
  const sides = [tsWorker(), tsWorker()];
  const small = options.quick ? 200_000 : 1_000_000;
  const large = options.quick ? 2_000 : 10_000;
  const CHUNK = 65536;
  const pair = async (kind: RingJob['kind'], size: number, count: number, batch: number, capacity: number, inPlace = false) => {
    const base = { kind, count, size, batch, inPlace, memory, region: REGION };
    let sab: SharedArrayBuffer | undefined;
    if (kind === 'ring') formatMessageRing(context, REGION, capacity);
    else sab = RingBuffer.getStorageForCapacity(capacity, Uint8Array);
    const times = await Promise.all([
      sides[0].run({ ...base, role: 'producer', state: STATES[0], sab }),
      sides[1].run({ ...base, role: 'consumer', state: STATES[1], sab }),
    ]);
    return Math.max(...times);
  };
  const perItem = (kind: RingJob['kind'], size: number, count: number, batch: number, capacity: number, unit: number, inPlace = false) =>
    async () => ((await pair(kind, size, count, batch, capacity, inPlace)) * unit) / count;
  const tables: Table[] = [];
  try {
    say('64-byte messages');
    tables.push(await measureTable({
      title: '64-byte messages, one worker to another (time per message; lower is better)',
      unit: 'ns', rounds: options.quick ? 3 : 7,
      method: `${small.toLocaleString('en')} messages per sample through a 64 KiB ring, both sides spinning when full or empty; the slower side's time / messages`,
      contenders: [
        { label: 'message ring, batches of 32', sample: perItem('ring', 64, small, 32, 65536, 1e6), compare: [{ to: 'ringbuf.js 0.4', atLeast: 2 }] },
        { label: 'message ring, one publish per message', sample: perItem('ring', 64, small, 1, 65536, 1e6), compare: [{ to: 'ringbuf.js 0.4' }] },
        { label: 'ringbuf.js 0.4', sample: perItem('ringbuf', 64, small, 1, 65536, 1e6) },
      ],
    }));
    say('64 KiB chunks');
    // Both in one buffer, 64 bytes apart past a chunk: two separate 64 KiB allocations sometimes
    // copy 15x slower (22-24 us against 1.4 us a chunk, measured in one process and the next,
    // depending only on where the allocator put them), which would make the baseline a lottery.
    const pairBuffer = new ArrayBuffer(2 * CHUNK + 64);
    const src = new Uint8Array(pairBuffer, 0, CHUNK).fill(0xab);
    const dst = new Uint8Array(pairBuffer, CHUNK + 64, CHUNK);
    const COPYING = 'message ring, reserve/commit and peek/consume, the chunk copied in and out';
    const MEMCPY = 'memcpy, one thread';
    tables.push(await measureTable({
      title: '64 KiB chunks, one worker to another (time per chunk; lower is better)',
      unit: 'us', rounds: options.quick ? 3 : 7,
      method: `${large.toLocaleString('en')} chunks per sample through a 1 MiB ring. Zero copy: the producer reserves, stamps the chunk's first byte `
        + 'and commits, the consumer peeks, checks the stamp and consumes: the chunk is written and read where it lies, as a producer that '
        + 'renders into the ring does. Copied: the same with the chunk copied in from a private buffer and out to one. memcpy: one thread '
        + 'copying the same bytes once. Goal: moving a chunk zero copy costs less than copying it once.',
      contenders: [
        { label: 'message ring, zero copy: reserve/commit, peek/consume, in place', sample: perItem('ring', CHUNK, large, 1, 1 << 20, 1e3, true), compare: [{ to: MEMCPY, atLeast: 1 }, { to: COPYING }] },
        { label: COPYING, sample: perItem('ring', CHUNK, large, 1, 1 << 20, 1e3), compare: [{ to: MEMCPY }, { to: 'ringbuf.js 0.4' }] },
        { label: 'ringbuf.js 0.4', sample: perItem('ringbuf', CHUNK, large, 1, 1 << 20, 1e3) },
        {
          label: MEMCPY,
          sample: async () => {
            const t = performance.now();
            for (let i = 0; i < large; i++) { src[i & 1023] = i; dst.set(src); }
            return ((performance.now() - t) * 1e3) / large;
          },
        },
      ],
    }));
  } finally {
    await Promise.all(sides.map((s) => s.close()));
  }
  return tables;
}
