// A guest that never waits: it finds a newcomer only because register accesses take the server's
// messages, then rings it.
import type { Guest } from '../../src/index.ts';

export default async function main(vm: Guest) {
  vm.bringUp();
  vm.log('looking for a newcomer');
  const deadline = performance.now() + 10_000;
  for (;;) {
    vm.device.bar(0).read(8, 4);
    const other = vm.device.peers().find((p) => p.id !== vm.id);
    if (other) {
      vm.ring(other.id, 0);
      return other.id;
    }
    if (performance.now() > deadline) throw new Error('no newcomer seen');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
