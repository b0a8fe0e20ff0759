// Helpers the test guest programs share: a ready flag per peer in the shared memory (a guest must
// not ring a peer before that peer's driver has enabled MSI-X: QEMU drops such a doorbell), and
// finding a peer through the device's peer table. While they wait they yield with a timer, not
// vm.waitAsync: that takes interrupts, and would swallow a peer's first doorbell.
import type { Guest } from '../../src/index.ts';

const pause = () => new Promise((resolve) => setTimeout(resolve, 1));

const READY_BASE = 0;

export function announceReady(vm: Guest): void {
  vm.device.memoryBar.write(READY_BASE + vm.id * 4, 4, 1);
}

export async function peerReady(vm: Guest, peer: number, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (vm.device.memoryBar.read(READY_BASE + peer * 4, 4) !== 1) {
    if (performance.now() > deadline) throw new Error(`peer ${peer} never became ready`);
    await pause();
  }
}

/** Waits until the device knows a peer other than itself; returns its ID. */
export async function someOtherPeer(vm: Guest, timeoutMs = 10_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const other = vm.peers().find((p) => p.id !== vm.id);
    if (other) return other.id;
    if (performance.now() > deadline) throw new Error('no peer showed up');
    await pause();
  }
}
