// Rings between VM workers (Node worker_threads here, Web Workers in Chromium): a message ring
// and a virtqueue carrying a stream intact, with doorbells only when the other side sleeps; then
// the same with a third VM writing random bytes over the ring while both sides run. Whatever it
// writes: no side crashes or hangs, nothing outside the ring is written, and a side stops either
// with a violation that the parts written by then can cause (its documented code, counted once,
// the same in the state block the host reads), or with a stall; a message ring's consumer
// accepts nothing corrupt before a part that can corrupt a message was written. (Every violation
// reported, at every step: test/node/ring-message.test.ts and ring-virtqueue-hostile.test.ts.)
import { expect } from 'chai';
import type { Host, Vm } from '../../src/index.ts';
import * as L from '../../assembly/layout.ts';
import * as R from '../../assembly/ring-layout.ts';
import type { CaseEnv, CaseGroup } from './case.ts';
import { until } from './helpers.ts';
import { splitLayout } from '../../src/ring/virtqueue.ts';
import { machineOf } from '../../src/host.ts';

const DEVICE = 'ivshmem-doorbell,chardev=srv,vectors=1';
const RING_AT = 4096;
const CAPACITY = 4096;
const DONE_AT = 1024;
const PARTS_AT = DONE_AT + 4;
const CANARY = 0x5a;

interface SideResult {
  role: string; moved?: number; done?: number; corrupt?: number; wrong?: number; broken: number; violations: number; stalled: boolean;
  notifies: number; sleeps?: number; partsAtBreak?: number; partsAtCorrupt?: number;
}

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

// The hostile peer sets bit k of the word at PARTS_AT before it first writes into part k.
const HEAD = 1, TAIL = 2, DATA = 4;
const MESSAGE_PARTS: [number, number][] = [[R.RING_H_HEAD, R.RING_H_HEAD + 4], [R.RING_H_TAIL, R.RING_H_TAIL + 4], [R.RING_DATA, R.RING_DATA + CAPACITY]];

/**
 * A side that stopped under the hostile peer: broken with a code its role can report, counted once, the
 * same in its state block as the host reads it (the first one in its device block, where guestRings
 * puts it), and only after the hostile peer wrote a part that can cause it; or not broken and stalled.
 */
function checkVictim(host: Host, vm: Vm, r: SideResult, codes: Record<number, number>, errorField: number, violationsField: number): void {
  const state = new DataView(machineOf(host).memory.buffer, vm.device.internals.block + L.DEV_RING_STATES);
  expect([state.getUint32(errorField, true), state.getUint32(violationsField, true)], `${r.role}: what the host reads in its state block`).to.deep.equal([r.broken, r.violations]);
  if (!r.broken) {
    expect(r.violations, `${r.role}: no violation counted when none reported`).to.equal(0);
    expect(r.stalled, `${r.role}: stopped by a stall when not broken`).to.equal(true);
    return;
  }
  expect(Object.keys(codes).map(Number), `${r.role}: a code its role reports`).to.include(r.broken);
  expect(r.violations, `${r.role}: counted once`).to.equal(1);
  expect((r.partsAtBreak ?? 0) & codes[r.broken], `${r.role}: code ${r.broken} after the hostile peer wrote a part that can cause it (parts ${r.partsAtBreak})`).to.not.equal(0);
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
      name: 'a virtqueue of N = 256, the largest whose state a guest\'s device block holds, carries 2,000 requests between VMs',
      async run(env) {
        const host = await env.host();
        const count = 2000;
        const [driver, device] = await pair(env, host, 'ring-virtqueue', [
          { role: 'driver', count, size: 256, at: RING_AT },
          { role: 'device', count, size: 256, at: RING_AT },
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
          { role: 'producer', count: 1e9, capacity: CAPACITY, at: RING_AT, stallMs: 1500, doneAt: DONE_AT, partsAt: PARTS_AT },
          { role: 'consumer', count: 1e9, capacity: CAPACITY, at: RING_AT, stallMs: 1500, doneAt: DONE_AT, partsAt: PARTS_AT },
        ]);
        const { bytes, words } = shared(producer);
        const intact = canaries(bytes, RING_AT, RING_AT + R.RING_DATA + CAPACITY);
        let hostile: Vm | undefined;
        try {
          await until(() => words[(RING_AT + R.RING_H_TAIL) / 4] > 100_000, 'the stream getting under way', 60_000);
          hostile = await host.spawn({
            device: DEVICE, program: env.program('ring-hostile'),
            arg: { at: RING_AT, length: R.RING_DATA + CAPACITY, hot: [R.RING_H_HEAD, R.RING_H_SPACE_EVENT, R.RING_H_TAIL, R.RING_H_DATA_EVENT, R.RING_H_CAPACITY], doneAt: DONE_AT, victims: 2, startWhenAt: RING_AT + R.RING_H_TAIL, maxBursts: 20_000, seed: Date.now(), parts: MESSAGE_PARTS, partsAt: PARTS_AT },
          });
          const [p, c] = await Promise.all([producer.result, consumer.result]) as SideResult[];
          const h = await hostile.result as { writes: number };
          expect(h.writes).to.be.greaterThan(0);
          // An index more than the capacity away (or not a multiple of 8) comes from a scribbled
          // head or tail (the honest side then also publishes from one); a bad record from those or
          // the data. The header is read once at attach, the event words only decide doorbells.
          checkVictim(host, producer, p, { [R.E_RING_INDEX]: HEAD | TAIL }, R.RING_S_ERROR, R.RING_S_VIOLATIONS);
          checkVictim(host, consumer, c, { [R.E_RING_INDEX]: HEAD | TAIL, [R.E_RING_RECORD]: HEAD | TAIL | DATA }, R.RING_S_ERROR, R.RING_S_VIOLATIONS);
          if (c.corrupt) expect((c.partsAtCorrupt ?? 0) & (HEAD | TAIL | DATA), `a corrupt message only after head, tail or data was written (parts ${c.partsAtCorrupt})`).to.not.equal(0);
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
          { role: 'driver', count: 1e9, size, at: RING_AT, stallMs: 1500, doneAt: DONE_AT, partsAt: PARTS_AT },
          { role: 'device', count: 1e9, size, at: RING_AT, stallMs: 1500, doneAt: DONE_AT, partsAt: PARTS_AT },
        ]);
        const { bytes, words } = shared(driver);
        const end = ((RING_AT + layout.bytes + 63) & ~63) + size * 128;
        const intact = canaries(bytes, RING_AT, end);
        let hostile: Vm | undefined;
        try {
          const usedIdx = layout.used + 2;
          await until(() => (words[(usedIdx & ~3) / 4] >>> ((usedIdx & 3) * 8) & 0xffff) > 100, 'requests getting under way', 60_000);
          const r = (x: number) => x - RING_AT;
          hostile = await host.spawn({
            device: DEVICE, program: env.program('ring-hostile'),
            arg: { at: RING_AT, length: end - RING_AT, hot: [r(layout.avail + 2), r(layout.avail + 4), r(layout.used + 2), r(layout.used + 4), r(layout.used + 8), r(layout.desc + 8), r(layout.desc + 12)], doneAt: DONE_AT, victims: 2, startWhenAt: RING_AT, maxBursts: 20_000, seed: Date.now(), parts: [[0, end - RING_AT]], partsAt: PARTS_AT },
          });
          const [d, v] = await Promise.all([driver.result, device.result]) as SideResult[];
          const h = await hostile.result as { writes: number };
          expect(h.writes).to.be.greaterThan(0);
          // Each side reports only its own codes (docs/rings.md), and only once the queue was written.
          const any = 1;
          checkVictim(host, driver, d, { [R.E_USED_IDX]: any, [R.E_USED_ID]: any, [R.E_USED_LEN]: any }, R.VQ_S_ERROR, R.VQ_S_VIOLATIONS);
          checkVictim(host, device, v, Object.fromEntries([R.E_AVAIL_IDX, R.E_HEAD, R.E_DESC_RANGE, R.E_DESC_LEN, R.E_LOOP, R.E_NEXT, R.E_INDIRECT, R.E_ORDER].map((code) => [code, any])), R.VQ_S_ERROR, R.VQ_S_VIOLATIONS);
          expect(d.broken || v.broken, 'a scribbled index or descriptor is caught by one side or the other').to.not.equal(0);
          intact();
        } finally {
          await Promise.all([driver.terminate(), device.terminate(), hostile?.terminate()]);
        }
      },
    },
  ],
};
