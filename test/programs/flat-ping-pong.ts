// Two MCU guests on ivshmem-flat, driving the device as a small RTOS driver does: no PCI probe, the
// own ID read from IVPOSITION, DOORBELL written, the IRQ taken. Each ring of the peer's vector 0
// comes with one of its vector 1, which QEMU 10.0's device never turns into an interrupt: the
// host counts the pulses afterwards.
import type { Guest } from '../../src/index.ts';
import { someOtherPeer } from './protocol.ts';

const IVPOSITION = 8;
const DOORBELL = 12;

export default async function main(vm: Guest, arg: { rounds: number; serve: boolean }) {
  const regs = vm.device.bar(0);
  const ownId = regs.read(IVPOSITION, 4) === vm.id;
  const peer = await someOtherPeer(vm);
  const ring = (vector: number) => regs.write(DOORBELL, 4, ((peer << 16) | vector) >>> 0);
  let received = 0;
  for (let i = 0; i < arg.rounds; i++) {
    if (!arg.serve) {
      ring(1);
      ring(0);
    }
    if (vm.wait({ timeoutMs: 10_000 }) !== 0) break;
    received++;
    if (arg.serve) {
      ring(1);
      ring(0);
    }
  }
  return { received, ownId };
}
