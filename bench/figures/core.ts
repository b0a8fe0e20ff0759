// Figure 4: what the core costs. A register access through the wasm core beside the same decode
// written in plain TypeScript over the same shared memory (so "WebAssembly-accelerated" is a
// measured claim, not a slogan), the public API with its checks, a doorbell with its interrupt
// taken on one thread beside the bare atomics it cannot do without, the trace's cost per event
// off and on, the .wasm's size, and how long a VM takes to spawn. Runs in Node and in Chromium.
import { Host, layout as L } from '../../src/index.ts';
import { doorbellPair } from '../lib/devices.ts';
import { rawCore } from '../lib/raw-core.ts';
import { measureTable, type Contender, type Table } from '../lib/stats.ts';

export interface CoreOptions {
  platform: string;
  quick: boolean;
  /** the shipped core, build/ivshmem.wasm */
  wasm(): Promise<ArrayBuffer>;
  progress?(text: string): void;
}

// BAR0 of the 32-bit layout decoded in TypeScript exactly as assembly/registers.ts does it.
function tsBar0Read(words: Int32Array, dev: number, offset: number): number {
  if (words[(dev + L.DEV_MODEL) >> 2] === L.MODEL_2010) return 0;
  if (offset === L.REG_INTRMASK) return Atomics.load(words, (dev + L.DEV_INTRMASK) >> 2) >>> 0;
  if (offset === L.REG_IVPOSITION) return Atomics.load(words, (dev + L.DEV_VM_ID) >> 2) >>> 0;
  return 0;
}

function tsBar0Write(words: Int32Array, dev: number, offset: number, value: number): void {
  if (words[(dev + L.DEV_MODEL) >> 2] === L.MODEL_2010) return;
  if (offset === L.REG_INTRMASK) {
    Atomics.store(words, (dev + L.DEV_INTRMASK) >> 2, value);
    if ((Atomics.load(words, (dev + L.DEV_FEATURES) >> 2) & L.FEATURE_INTX) !== 0) throw new Error('not measured: INTx');
  }
}

const ns = (start: number, n: number) => ((performance.now() - start) * 1e6) / n;

export async function coreFigure(options: CoreOptions): Promise<Table[]> {
  const { quick } = options;
  const say = options.progress ?? (() => {});
  const host = await Host.create({ memory: '16M' });
  const tables: Table[] = [];
  try {
    const { a, b } = doorbellPair(host);
    // The core called directly, as nothing but the benchmark calls it: an instance of the shipped
    // .wasm over a memory of its own, with one device block where a realized doorbell device
    // would have its registers (bench/lib/raw-core.ts).
    const wasm = await options.wasm();
    const raw = await rawCore(wasm, a.ivPosition);
    const { core, block, words } = raw;
    const n = quick ? 100_000 : 400_000;
    let sink = 0;
    const loop = (body: (i: number) => void) => async () => {
      const t = performance.now();
      for (let i = 0; i < n; i++) body(i);
      return ns(t, n);
    };
    const ring = ((a.ivPosition << 16) | 0) >>> 0;
    const doorbells = 1000;
    const bar0 = b.bar(0);
    const doorbellTake = async () => {
      // Timed in batches of 1000 doorbells (2000 trace events, within a ring), drained untimed.
      let total = 0;
      for (let done = 0; done < n; done += doorbells) {
        const t = performance.now();
        for (let i = 0; i < doorbells; i++) {
          bar0.write(L.REG_DOORBELL, 4, ring);
          sink += a.interrupts.take();
        }
        total += performance.now() - t;
        if (host.trace.enabled) host.trace.drain();
      }
      return (total * 1e6) / n;
    };
    const traced = (on: boolean) => async () => {
      if (on) host.trace.start(); else host.trace.stop();
      try { return await doorbellTake(); } finally { host.trace.stop(); host.trace.drain(); }
    };
    const bare = new Int32Array(new SharedArrayBuffer(64));
    const WASM_READ = 'IVPosition read: the core (wasm)';
    const WASM_WRITE = 'IntrMask write: the core (wasm)';
    const OFF = 'doorbell (bar(0).write) + interrupt taken (interrupts.take), one thread, trace off';
    const contenders: Contender[] = [
      { label: WASM_READ, sample: loop(() => { sink += core.bar0Read(block, L.REG_IVPOSITION); }) },
      { label: 'IVPosition read: the same decode in TypeScript', sample: loop(() => { sink += tsBar0Read(words, block, L.REG_IVPOSITION); }), compare: [{ to: WASM_READ }] },
      { label: 'IVPosition read: device.bar(0).read (public API, with its checks)', sample: loop(() => { sink += a.bar(0).read(L.REG_IVPOSITION, 4); }), compare: [{ to: WASM_READ }] },
      { label: WASM_WRITE, sample: loop((i) => core.bar0Write(block, L.REG_INTRMASK, i & 1)) },
      { label: 'IntrMask write: the same decode in TypeScript', sample: loop((i) => tsBar0Write(words, block, L.REG_INTRMASK, i & 1)), compare: [{ to: WASM_WRITE }] },
      { label: 'bare atomics a doorbell needs (add, load, exchange)', sample: loop(() => { Atomics.add(bare, 0, 1); if (Atomics.load(bare, 1) > 0) Atomics.notify(bare, 0); sink += Atomics.exchange(bare, 0, 0); }) },
      { label: OFF, sample: traced(false), compare: [{ to: 'bare atomics a doorbell needs (add, load, exchange)' }] },
      { label: 'the same, trace on (2 events)', sample: traced(true), compare: [{ to: OFF }] },
    ];
    say('core: register accesses');
    tables.push(await measureTable({
      title: `${options.platform}: the core, ns per operation`,
      unit: 'ns',
      rounds: quick ? 5 : 11,
      method: `Each sample is ${n} operations in a loop on one thread, divided by their count; contenders alternate. `
        + 'The trace rows ring a host-side device and take its interrupt; with the trace on, each doorbell records '
        + '2 events (doorbell, deliver), so the cost per event is half the difference.',
      contenders,
    }));
    if (sink === 0.5) console.log(sink);
    const size = wasm.byteLength;
    tables.push({ title: `${options.platform}: the core's size`, unit: 'KiB', rows: [{ label: 'build/ivshmem.wasm', samples: [size / 1024], goal: 16 }] });

    say('core: VM spawn time');
    const spawn = async () => {
      const t = performance.now();
      const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv' });
      const ms = performance.now() - t;
      await vm.terminate();
      return ms;
    };
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const first = await spawn();
    const spawns = quick ? 5 : 11;
    const ready: number[] = [];
    const backToBack: number[] = [];
    for (let i = 0; i < spawns; i++) {
      // The spare worker booted (under load that took more than the second between a user's
      // clicks this used to wait), and a moment more; then one right after.
      await host.prepareVm();
      await pause(100);
      ready.push(await spawn());
      backToBack.push(await spawn());
    }
    tables.push({
      title: `${options.platform}: VM spawn time (host.spawn until the device is up)`,
      unit: 'ms',
      method: 'The first spawn starts its worker; each spawn then starts the next worker in the background '
        + '(host.prepareVm() waits for it), which the next spawn takes. "Spare ready": once that worker has booted; '
        + '"back to back": right after it, the spare still booting.',
      rows: [
        { label: 'first VM (worker start, core instantiation, server handshake; cold only if no figure before this one started a worker)', samples: [first] },
        { label: 'next VM, spare worker ready', samples: ready, goal: options.platform.startsWith('Node') ? 50 : 20 },
        { label: 'next VM, back to back', samples: backToBack },
      ],
    });
  } finally {
    host.trace.stop();
    await host.shutdown();
  }
  return tables;
}
