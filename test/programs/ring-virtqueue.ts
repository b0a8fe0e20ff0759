// One side of a virtio split virtqueue between two VMs, in BAR2: the driver sends `count`
// requests (a 4-byte readable buffer holding i, a 64-byte writable buffer for the answer) with
// up to size/2 in flight; the device answers each with 2i + 1. Kicks and interrupts are ivshmem
// doorbells, sent only when the other side asked (EVENT_IDX). Under a hostile peer a side stops
// at the first violation, or gives up after `stallMs` without progress.
import type { Guest } from '../../src/index.ts';
import { guestRings } from '../../src/vm/guest-rings.ts';
import { RingBrokenError } from '../../src/ring/ring-core.ts';
import { splitLayout, type VirtqueueDevice, type VirtqueueDriver } from '../../src/ring/virtqueue.ts';
import { announceReady, peerReady, someOtherPeer } from './protocol.ts';

export interface RingVirtqueueArg {
  role: 'driver' | 'device';
  count: number;
  size: number;
  /** BAR2 offset of the queue's parts; the buffers follow them */
  at: number;
  stallMs?: number;
  doneAt?: number;
  /** BAR2 offset of the hostile peer's word of parts written (test/programs/ring-hostile.ts) */
  partsAt?: number;
}

export default async function main(vm: Guest, arg: RingVirtqueueArg) {
  vm.bringUp();
  const rings = guestRings(vm);
  const peer = await someOtherPeer(vm);
  const layout = splitLayout(arg.size, arg.at);
  const data = (arg.at + layout.bytes + 63) & ~63;
  const view = new DataView(rings.context.buffer as ArrayBuffer, rings.region.offset);
  const stallMs = arg.stallMs ?? 20_000;
  let q: VirtqueueDriver | VirtqueueDevice;
  if (arg.role === 'driver') {
    q = rings.virtqueue('driver', { size: arg.size, layout, eventIdx: true }) as VirtqueueDriver;
    announceReady(vm);
    await peerReady(vm, peer);
  } else {
    await peerReady(vm, peer); // the driver has laid the queue out
    q = rings.virtqueue('device', { size: arg.size, layout, eventIdx: true }) as VirtqueueDevice;
    announceReady(vm);
  }
  const result = { role: arg.role, done: 0, wrong: 0, broken: 0, violations: 0, stalled: false, notifies: 0, suppressed: 0, partsAtBreak: undefined as number | undefined };
  let progress = performance.now();
  const idle = () => {
    if (performance.now() - progress > stallMs) return false;
    vm.wait({ mode: 'block', timeoutMs: 50 });
    return true;
  };
  try {
    if (arg.role === 'driver') {
      const driver = q as VirtqueueDriver;
      const inFlight = new Map<number, number>();
      let next = 0;
      while (result.done < arg.count) {
        let moved = false;
        while (next < arg.count && inFlight.size < arg.size / 2) {
          const slot = data + (next % arg.size) * 128;
          view.setUint32(slot, next, true);
          const head = driver.add([{ addr: slot, len: 4 }], [{ addr: slot + 64, len: 64 }]);
          if (head === null) break;
          inFlight.set(head, next++);
          moved = true;
        }
        if (driver.publish()) vm.ring(peer, 0);
        for (let used = driver.getUsed(); used; used = driver.getUsed()) {
          const i = inFlight.get(used.head)!;
          inFlight.delete(used.head);
          const slot = data + (i % arg.size) * 128;
          if (used.len !== 4 || view.getUint32(slot + 64, true) !== 2 * i + 1) result.wrong++;
          result.done++;
          moved = true;
        }
        if (moved) progress = performance.now();
        else if (!driver.enableInterrupts() && !idle()) { result.stalled = true; break; }
      }
    } else {
      const device = q as VirtqueueDevice;
      while (result.done < arg.count) {
        const chain = device.pop();
        if (!chain) {
          if (device.publish()) vm.ring(peer, 0);
          if (!device.enableNotify() && !idle()) { result.stalled = true; break; }
          continue;
        }
        const i = chain.out.length === 1 && chain.out[0].len === 4 ? view.getUint32(chain.out[0].addr, true) : -1;
        if (chain.in.length === 1 && chain.in[0].len >= 4) view.setUint32(chain.in[0].addr, 2 * i + 1, true);
        device.push(chain.head, 4);
        result.done++;
        progress = performance.now();
      }
      if (device.publish()) vm.ring(peer, 0);
    }
  } catch (error) {
    if (!(error instanceof RingBrokenError)) throw error;
    if (arg.partsAt !== undefined) result.partsAtBreak = Atomics.load(new Int32Array(rings.context.buffer, rings.region.offset + arg.partsAt, 1), 0);
  }
  Object.assign(result, { broken: q.error, violations: q.violations, notifies: q.notifies, suppressed: q.suppressed });
  if (arg.doneAt !== undefined) Atomics.add(new Int32Array(rings.context.buffer, rings.region.offset + arg.doneAt, 1), 0, 1);
  vm.log(`${arg.role}: ${result.done} done, ${result.wrong} wrong, broken ${result.broken}, stalled ${result.stalled}`);
  return result;
}
