// A guest in a tight loop over its device: rings random peers on random vectors, toggles its own
// masks, reads and writes its registers, takes interrupts and bumps its own word of the shared
// memory, until the host stops it. For fault tests: it may be killed at any instruction.
//
// Shared memory (BAR2): 0x1000 + id * 4: the VM's own counter, the only place it writes.
import type { Guest } from '../../src/index.ts';

export const OWN_WORDS = 0x1000;

export interface BusyArg {
  seed: number;
  /** ring this peer too (a host-side device, say), besides the peer table */
  alsoRing?: number;
}

export default async function main(vm: Guest, arg: BusyArg) {
  vm.bringUp();
  let x = (arg.seed * 2654435761 + vm.id + 1) | 0 || 1;
  const rand = (n: number) => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) % n;
  };
  const vectors = vm.device.vectors;
  const own = OWN_WORDS + vm.id * 4;
  let rings = 0;
  let taken = 0;
  do {
    for (let i = 0; i < 32; i++) {
      const peers = vm.peers();
      const r = rand(10);
      if (r < 6 && peers.length) {
        const peer = rand(4) === 0 && arg.alsoRing !== undefined ? arg.alsoRing : peers[rand(peers.length)].id;
        vm.ring(peer, rand(vectors));
        rings++;
      } else if (r === 6) {
        const v = rand(vectors);
        if (rand(2)) vm.driver.maskVector(vm.device, v);
        else vm.driver.unmaskVector(vm.device, v);
      } else if (r === 7) {
        vm.device.bar(0).read(rand(3) * 4, 4);
      } else {
        vm.device.memoryBar.write(own, 4, (vm.device.memoryBar.read(own, 4) + 1) >>> 0);
        while (vm.device.interrupts.take() >= 0) taken++;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  } while (!vm.stopping);
  return { id: vm.id, rings, taken, count: vm.device.memoryBar.read(own, 4) };
}
