// npx tsx scripts/ring-soak.ts [--rounds 20] [--pairs 2] [--mode spin|block|poll] [--accel kvm|tcg] [--count 20000]
// Streams of test/programs/ring-stream.ts between pairs of VM workers, round after round (run it
// beside `node -e 'for(;;){}'` processes to load the machine). A lost wake-up shows as a ring that
// stops moving while both of its sides are parked: the script prints the ring's indices and event
// words and both devices' interrupt state at that moment, and exits 1. (This is how the message
// ring's lost wake-up was found: a producer asleep on a tail read after its failed push.)
import { parseArgs } from 'node:util';
import { Host, type Vm } from '../src/index.ts';
import * as L from '../assembly/layout.ts';
import * as R from '../assembly/ring-layout.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    pairs: { type: 'string', default: '2' },
    mode: { type: 'string', default: 'spin' },
    accel: { type: 'string', default: 'kvm' },
    count: { type: 'string', default: '20000' },
  },
});
const rounds = Number(values.rounds);
const pairs = Number(values.pairs);
const count = Number(values.count);
const mode = values.mode as 'spin' | 'block' | 'poll';
const accel = values.accel as 'kvm' | 'tcg';
if (!(rounds >= 1) || !(pairs >= 1 && pairs <= 16) || !(count >= 1) || !['spin', 'block', 'poll'].includes(mode) || !['kvm', 'tcg'].includes(accel)) {
  console.error('usage: npx tsx scripts/ring-soak.ts [--rounds N] [--pairs 1..16] [--mode spin|block|poll] [--accel kvm|tcg] [--count N]');
  process.exit(2);
}
const RING_AT = 4096;
const STUCK_MS = 1000;
const program = new URL('../test/programs/ring-stream.ts', import.meta.url).href;

function interrupts(host: Host, vm: Vm) {
  const block = new DataView(host.memory.buffer, vm.device.block);
  return { irr: block.getUint32(L.DEV_IRR, true), parked: block.getInt32(L.DEV_IRQ_WAITERS, true), delivered: vm.counters.delivered[0] };
}

/** Resolves when both sides are done; calls `stuck` once if the ring stops moving with both sides parked. */
async function watch(host: Host, producer: Vm, consumer: Vm, stuck: (what: string) => void): Promise<void> {
  const ring = new DataView(host.memory.buffer, producer.device.sharedMemory!.offset + RING_AT);
  const word = (at: number) => ring.getUint32(at, true);
  let last = '';
  let since = performance.now();
  const timer = setInterval(() => {
    const now = `${word(R.RING_H_HEAD)}/${word(R.RING_H_TAIL)}`;
    if (now !== last) { last = now; since = performance.now(); return; }
    const p = interrupts(host, producer);
    const c = interrupts(host, consumer);
    if (performance.now() - since > STUCK_MS && p.parked > 0 && c.parked > 0) {
      stuck(`head ${word(R.RING_H_HEAD)} tail ${word(R.RING_H_TAIL)} space_event ${word(R.RING_H_SPACE_EVENT)} data_event ${word(R.RING_H_DATA_EVENT)}; producer ${JSON.stringify(p)}, consumer ${JSON.stringify(c)}`);
      since = Infinity;
    }
  }, 50);
  try {
    await Promise.all([producer.result, consumer.result]);
  } finally {
    clearInterval(timer);
  }
}

let lost = 0;
for (let round = 0; round < rounds; round++) {
  const host = await Host.create({ memory: '64M', accel });
  const start = performance.now();
  await Promise.all(Array.from({ length: pairs }, async (_, p) => {
    // each pair its own server, socket and /dev/shm name: pairs must not share a ring
    host.addServer({ id: `srv${p}`, socket: `/tmp/ring-soak-${process.pid}-${p}`, shm: `ring-soak-${process.pid}-${p}`, size: '1M', vectors: 1 });
    const device = `ivshmem-doorbell,chardev=srv${p},vectors=1`;
    const producer = await host.spawn({ device, program, arg: { role: 'producer', count, capacity: 4096, at: RING_AT, mode, stallMs: 60_000 } });
    const consumer = await host.spawn({ device, program, arg: { role: 'consumer', count, capacity: 4096, at: RING_AT, mode, stallMs: 60_000 } });
    await watch(host, producer, consumer, (what) => { lost++; console.log(`round ${round} pair ${p}: both sides parked, ring not moving for ${STUCK_MS} ms: ${what}`); });
  }));
  console.log(`round ${round}: ${pairs} x ${count} messages in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  await host.shutdown();
}
console.log(lost ? `${lost} lost wake-ups` : 'no lost wake-up');
process.exit(lost ? 1 : 0);
