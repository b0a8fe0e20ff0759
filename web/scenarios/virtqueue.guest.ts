// virtio on ivshmem: one virtio 1.x split virtqueue in BAR2 between two VMs. The driver side (the
// "front-end") lays the queue out at `at` and offers requests (a 4-byte buffer holding n, a
// writable 4-byte buffer for the answer); the device side (the "back-end") answers each with
// n * n. The kick (driver to device) and the used-buffer interrupt (device to driver) are ivshmem
// doorbells on vector 0, sent only when the other side asked (EVENT_IDX). Both sign in with a word
// per ID at the start of the memory; the driver counts its answers at `at` - 16.
import type { WorkbenchGuest } from '../guest/runner.ts';
import { guestRings, splitLayout, type VirtqueueDevice, type VirtqueueDriver } from '../../src/index.ts';

export interface VirtqueueArg { role: 'driver' | 'device'; at: number; size: number; everyMs: number }

export default async function main(vm: WorkbenchGuest, arg: VirtqueueArg) {
  vm.bringUp();
  const memory = vm.device.memoryBar;
  const rings = guestRings(vm);
  const layout = splitLayout(arg.size, arg.at);
  const data = (arg.at + layout.bytes + 63) & ~63;
  const other = () => vm.peers().map((p) => p.id).find((id) => id !== vm.id && id < 32 && memory.read(id * 4, 4) === 1);
  let peer = other();
  if (arg.role === 'driver') {
    const q = rings.virtqueue('driver', { size: arg.size, layout, eventIdx: true }) as VirtqueueDriver;
    memory.write(vm.id * 4, 4, 1); // the queue is laid out: the device may attach
    while (peer === undefined) {
      if (await vm.waitAsync({ timeoutMs: 50 }) === -2) return 0;
      peer = other();
    }
    vm.log(`front-end: queue of ${arg.size} at 0x${arg.at.toString(16)} (avail 0x${layout.avail.toString(16)}, used 0x${layout.used.toString(16)}), back-end is VM ${peer}`);
    let n = 0;
    let answered = 0;
    for (;;) {
      const slot = data + (n % arg.size) * 16;
      memory.write(slot, 4, n);
      memory.write(slot + 8, 4, 0);
      if (q.add([{ addr: slot, len: 4 }], [{ addr: slot + 8, len: 4 }]) !== null) n++;
      if (q.publish()) vm.ring(peer, 0);
      for (let used = q.getUsed(); used; used = q.getUsed()) {
        answered++;
        memory.write(arg.at - 16, 4, answered);
      }
      if (answered % 16 === 1) vm.log(`request ${n - 1} sent, ${answered} answered`);
      q.enableInterrupts();
      if (await vm.waitAsync({ timeoutMs: arg.everyMs }) === -2) return answered;
    }
  }
  while (peer === undefined) {
    if (await vm.waitAsync({ timeoutMs: 50 }) === -2) return 0;
    peer = other();
  }
  const q = rings.virtqueue('device', { size: arg.size, layout, eventIdx: true }) as VirtqueueDevice;
  memory.write(vm.id * 4, 4, 1);
  let served = 0;
  for (;;) {
    for (let chain = q.pop(); chain; chain = q.pop()) {
      const n = memory.read(chain.out[0].addr, 4);
      memory.write(chain.in[0].addr, 4, (n * n) >>> 0);
      q.push(chain.head, 4);
      served++;
    }
    if (q.publish()) vm.ring(peer, 0);
    if (q.enableNotify()) continue;
    if (await vm.waitAsync({ timeoutMs: 1000 }) === -2) return served;
  }
}
