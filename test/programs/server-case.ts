// QEMU's server test, from inside two guests, plus what QEMU's test leaves undone: MSI-X enabled with the
// entries masked, the peer's doorbell must set our PBA bit, and once we unmask the
// vector the actual interrupt arrives.
import type { Guest } from '../../src/index.ts';
import { announceReady, peerReady, someOtherPeer } from './protocol.ts';

async function until(vm: Guest, condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen within 20 s`);
    await vm.waitAsync({ timeoutMs: 1 });
  }
}

export default async function main(vm: Guest, arg: { first: boolean }) {
  const { driver } = vm;
  driver.enableDevice(vm.device);
  driver.enableMsix(vm.device);
  const tableSize = driver.msixTableSize(vm.device);
  const mine = arg.first ? 0 : 1;
  const theirs = arg.first ? 1 : 0;
  // Checked before announcing readiness: no peer rings a guest that has not announced itself.
  const clearBefore = !driver.msixPending(vm.device, mine);
  announceReady(vm);
  const peer = await someOtherPeer(vm);
  await peerReady(vm, peer);
  if (arg.first) {
    await until(vm, () => driver.msixPending(vm.device, mine), `PBA bit ${mine}`);
    vm.ring(peer, theirs);
  } else {
    vm.ring(peer, theirs);
    await until(vm, () => driver.msixPending(vm.device, mine), `PBA bit ${mine}`);
  }
  driver.unmaskVector(vm.device, mine);
  const vector = vm.wait({ timeoutMs: 5000 });
  return { id: vm.id, peer, tableSize, clearBefore, vector, pendingAfter: driver.msixPending(vm.device, mine) };
}
