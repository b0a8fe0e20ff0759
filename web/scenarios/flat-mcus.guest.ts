// Two MCUs on ivshmem-flat, driven as a small RTOS driver drives it: no PCI probe; the own ID read
// from IVPOSITION, a message put in the shared memory, then DOORBELL written; the IRQ handler (a
// wait that returns 0, the line's interrupt) looks in the shared memory for what came. One IRQ line
// says only "something came", so each MCU keeps a mailbox there and signs in at its start.
// Every `otherEvery`th message also rings the peer's vector 1, 2 or 3 (the server gives each peer
// `vectors` eventfds, the device keeps up to 64): QEMU 10.0's device never turns those into an
// interrupt, so the mailbox counts them beside the IRQs the peer took.
import type { WorkbenchGuest } from '../guest/runner.ts';
import { MAILBOX_FIELDS, mailbox } from './flat-mcus.layout.ts';

export interface McuArg { first: boolean; holdMs: number; otherEvery: number; vectors: number }

const IVPOSITION = 8;
const DOORBELL = 12;

export default async function main(vm: WorkbenchGuest, arg: McuArg) {
  const regs = vm.device.bar(0);
  const memory = vm.device.bar(1);
  const id = regs.read(IVPOSITION, 4);
  const field = (n: number) => mailbox(id) + n * 4;
  for (let n = 1; n < MAILBOX_FIELDS.length; n++) memory.write(field(n), 4, 0);
  memory.write(field(0), 4, 1);
  vm.log(`MCU ${id}: IVPOSITION ${id}, mailbox at 0x${mailbox(id).toString(16)}`);
  // the other MCU: a peer signed in (the page's own ivshmem-client is a peer without a mailbox)
  const other = () => vm.peers().map((p) => p.id).find((p) => p !== id && p < 16 && memory.read(mailbox(p), 4) === 1);
  let sent = 0;
  let others = 0;
  let irqs = 0;
  const send = (to: number) => {
    sent++;
    memory.write(field(1), 4, sent);
    memory.write(field(2), 4, (id << 16) | (sent & 0xffff));
    if (arg.vectors > 1 && sent % arg.otherEvery === 0) {
      const vector = 1 + (others++ % (arg.vectors - 1));
      regs.write(DOORBELL, 4, ((to << 16) | vector) >>> 0);
      memory.write(field(4), 4, others);
      memory.write(field(5), 4, vector);
    }
    regs.write(DOORBELL, 4, (to << 16) >>> 0);
  };
  if (arg.first) {
    for (let to = other(); ; to = other()) {
      if (to !== undefined) {
        send(to);
        break;
      }
      if (await vm.waitAsync({ timeoutMs: 50 }) === -2) return sent;
    }
  }
  for (;;) {
    const line = arg.holdMs > 0 ? await vm.waitAsync() : vm.wait();
    if (line === -2) break;
    if (line < 0) continue;
    memory.write(field(3), 4, ++irqs);
    if (arg.holdMs > 0) await new Promise((resolve) => setTimeout(resolve, arg.holdMs));
    const to = other();
    if (to !== undefined) send(to);
  }
  memory.write(field(0), 4, 0);
  return sent;
}
