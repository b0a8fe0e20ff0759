// Ping-pong on the pin-based devices (legacy ivshmem with msi=off, and the 2010 device): INTx is
// level-triggered, so the handler acknowledges by reading IntrStatus before ringing back.
import type { Guest } from '../../src/index.ts';
import { announceReady, peerReady, someOtherPeer } from './protocol.ts';

export default async function main(vm: Guest, arg: { rounds: number; serve: boolean }) {
  const y2010 = vm.device.model === 'ivshmem-2010';
  const width = y2010 ? 2 : 4;
  const status = y2010 ? 2 : 4;
  const ring = (peer: number) => (y2010
    ? vm.device.bar(0).write(4, 2, (peer << 8) | 0x7e)
    : vm.device.bar(0).write(12, 4, peer << 16));
  vm.bringUp();
  announceReady(vm);
  const peer = await someOtherPeer(vm);
  await peerReady(vm, peer);
  const seen = new Set<number>();
  let received = 0;
  for (let i = 0; i < arg.rounds; i++) {
    if (!arg.serve) ring(peer);
    if (vm.wait({ timeoutMs: 10_000 }) !== 0) break;
    seen.add(vm.device.bar(0).read(status, width));
    received++;
    if (arg.serve) ring(peer);
  }
  return { received, statuses: [...seen], lineAfter: vm.device.interrupts.intx };
}
