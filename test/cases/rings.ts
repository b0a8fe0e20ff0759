// Rings between VM workers (Node worker_threads here, Web Workers in Chromium): a message ring
// and a virtqueue carrying a stream intact, with doorbells only when the other side sleeps; then
// the same with a third VM writing random bytes over the ring while both sides run. Whatever it
// writes: no side crashes or hangs, a side that stops reports a violation (or a stall) and its
// count, and nothing outside the ring is written.
import { expect } from 'chai';
import type { Host, Vm } from '../../src/index.ts';
import * as R from '../../assembly/ring-layout.ts';
import type { CaseEnv, CaseGroup } from './case.ts';
import { splitLayout } from '../../src/ring/virtqueue.ts';

const DEVICE = 'ivshmem-doorbell,chardev=srv,vectors=1';
const RING_AT = 4096;
const CAPACITY = 4096;
const DONE_AT = 1024;
const CANARY = 0x5a;

interface SideResult { role: string; moved?: number; done?: number; corrupt?: number; wrong?: number; broken: number; violations: number; stalled: boolean; notifies: number; sleeps?: number }

async function pair(env: CaseEnv, host: Host, program: string, args: [object, object]): Promise<[Vm, Vm]> {
  host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const a = await host.spawn({ device: DEVICE, program: env.program(program), arg: args[0] });
  const b = await host.spawn({ device: DEVICE, program: env.program(program), arg: args[1] });
  return [a, b];
}

function shared(vm: Vm) {
  const { offset, size } = vm.device.sharedMemory!;
  return { bytes: new Uint8Array(vm.device.memoryBar.bytes!.buffer, offset, size), words: new Int32Array(vm.device.memoryBar.bytes!.buffer, offset, size / 4) };
}

/** Fills the bytes around [from, to) with canaries; returns a check that they are intact. */
function canaries(bytes: Uint8Array, from: number, to: number): () => void {
  bytes.fill(CANARY, from - 1024, from);
  bytes.fill(CANARY, to, to + 1024);
  return () => {
    expect(bytes.subarray(from - 1024, from).every((b) => b === CANARY), 'nothing written before the ring').to.equal(true);
    expect(bytes.subarray(to, to + 1024).every((b) => b === CANARY), 'nothing written after the ring').to.equal(true);
  };
}

async function until(condition: () => boolean, what: string, budgetMs = 60_000): Promise<void> {
  const deadline = performance.now() + budgetMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${budgetMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function checkVictim(r: SideResult): void {
  // A side stops at a violation (reported with its code, counted once), a stall (the hostile
  // peer made the ring look full or empty for long enough), or when it is done.
  if (r.broken) {
    expect(r.broken, `${r.role}: a known error code`).to.be.oneOf([R.E_AVAIL_IDX, R.E_HEAD, R.E_DESC_RANGE, R.E_DESC_LEN, R.E_LOOP, R.E_NEXT, R.E_INDIRECT, R.E_ORDER, R.E_USED_IDX, R.E_USED_ID, R.E_USED_LEN, R.E_RING_INDEX, R.E_RING_RECORD]);
    expect(r.violations, `${r.role}: counted once`).to.equal(1);
  } else {
    expect(r.violations, `${r.role}: no violation counted when none reported`).to.equal(0);
  }
}

export const rings: CaseGroup = {
  group: 'rings between VM workers',
  cases: [
    {
      name: 'a message ring carries 20,000 messages intact; each doorbell answers an announced sleep',
      async run(env) {
        const host = await env.host();
        const count = 20_000;
        const [producer, consumer] = await pair(env, host, 'ring-stream', [
          { role: 'producer', count, capacity: CAPACITY, at: RING_AT },
          { role: 'consumer', count, capacity: CAPACITY, at: RING_AT },
        ]);
        try {
          const [p, c] = await Promise.all([producer.result, consumer.result]) as Required<SideResult>[];
          expect([p.moved, c.moved, c.corrupt, p.broken, c.broken]).to.deep.equal([count, count, 0, 0, 0]);
          expect([p.stalled, c.stalled]).to.deep.equal([false, false]);
          // Event suppression: the producer rings at most once per sleep the consumer announced,
          // and the consumer at most once per wait for room the producer announced.
          expect(p.notifies).to.be.at.most(c.sleeps);
          expect(c.notifies).to.be.at.most(p.sleeps);
          expect(shared(producer).words[(RING_AT + R.RING_H_TAIL) / 4], 'every byte was released').to.equal(shared(producer).words[(RING_AT + R.RING_H_HEAD) / 4]);
        } finally {
          await Promise.all([producer.terminate(), consumer.terminate()]);
        }
      },
    },
    {
      name: 'a virtqueue carries 5,000 requests and answers between a driver VM and a device VM',
      async run(env) {
        const host = await env.host();
        const count = 5000;
        const [driver, device] = await pair(env, host, 'ring-virtqueue', [
          { role: 'driver', count, size: 16, at: RING_AT },
          { role: 'device', count, size: 16, at: RING_AT },
        ]);
        try {
          const [d, v] = await Promise.all([driver.result, device.result]) as Required<SideResult>[];
          expect([d.done, d.wrong, d.broken, v.done, v.broken, d.stalled, v.stalled]).to.deep.equal([count, 0, 0, count, 0, false, false]);
        } finally {
          await Promise.all([driver.terminate(), device.terminate()]);
        }
      },
    },
    {
      name: 'a hostile VM writes random bytes over a message ring while producer and consumer run',
      async run(env) {
        const host = await env.host();
        const [producer, consumer] = await pair(env, host, 'ring-stream', [
          { role: 'producer', count: 1e9, capacity: CAPACITY, at: RING_AT, stallMs: 1500, doneAt: DONE_AT },
          { role: 'consumer', count: 1e9, capacity: CAPACITY, at: RING_AT, stallMs: 1500, doneAt: DONE_AT },
        ]);
        const { bytes, words } = shared(producer);
        const intact = canaries(bytes, RING_AT, RING_AT + R.RING_DATA + CAPACITY);
        let hostile: Vm | undefined;
        try {
          await until(() => words[(RING_AT + R.RING_H_TAIL) / 4] > 100_000, 'the stream getting under way');
          hostile = await host.spawn({
            device: DEVICE, program: env.program('ring-hostile'),
            arg: { at: RING_AT, length: R.RING_DATA + CAPACITY, hot: [R.RING_H_HEAD, R.RING_H_SPACE_EVENT, R.RING_H_TAIL, R.RING_H_DATA_EVENT, R.RING_H_CAPACITY], doneAt: DONE_AT, victims: 2, startWhenAt: RING_AT + R.RING_H_TAIL, maxBursts: 20_000, seed: Date.now() },
          });
          const [p, c] = await Promise.all([producer.result, consumer.result]) as SideResult[];
          const h = await hostile.result as { writes: number };
          expect(h.writes).to.be.greaterThan(0);
          checkVictim(p);
          checkVictim(c);
          expect(p.broken || c.broken, 'a scribbled index is caught by one side or the other').to.not.equal(0);
          intact();
        } finally {
          await Promise.all([producer.terminate(), consumer.terminate(), hostile?.terminate()]);
        }
      },
    },
    {
      name: 'a hostile VM writes random bytes over a virtqueue while the driver and device run',
      async run(env) {
        const host = await env.host();
        const size = 16;
        const layout = splitLayout(size, RING_AT);
        const [driver, device] = await pair(env, host, 'ring-virtqueue', [
          { role: 'driver', count: 1e9, size, at: RING_AT, stallMs: 1500, doneAt: DONE_AT },
          { role: 'device', count: 1e9, size, at: RING_AT, stallMs: 1500, doneAt: DONE_AT },
        ]);
        const { bytes, words } = shared(driver);
        const end = ((RING_AT + layout.bytes + 63) & ~63) + size * 128;
        const intact = canaries(bytes, RING_AT, end);
        let hostile: Vm | undefined;
        try {
          const usedIdx = layout.used + 2;
          await until(() => (words[(usedIdx & ~3) / 4] >>> ((usedIdx & 3) * 8) & 0xffff) > 100, 'requests getting under way');
          const r = (x: number) => x - RING_AT;
          hostile = await host.spawn({
            device: DEVICE, program: env.program('ring-hostile'),
            arg: { at: RING_AT, length: end - RING_AT, hot: [r(layout.avail + 2), r(layout.avail + 4), r(layout.used + 2), r(layout.used + 4), r(layout.used + 8), r(layout.desc + 8), r(layout.desc + 12)], doneAt: DONE_AT, victims: 2, startWhenAt: RING_AT, maxBursts: 20_000, seed: Date.now() },
          });
          const [d, v] = await Promise.all([driver.result, device.result]) as SideResult[];
          const h = await hostile.result as { writes: number };
          expect(h.writes).to.be.greaterThan(0);
          checkVictim(d);
          checkVictim(v);
          expect(d.broken || v.broken, 'a scribbled index or descriptor is caught by one side or the other').to.not.equal(0);
          intact();
        } finally {
          await Promise.all([driver.terminate(), device.terminate(), hostile?.terminate()]);
        }
      },
    },
  ],
};
