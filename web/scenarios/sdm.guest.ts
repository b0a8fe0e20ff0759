// The SDM scenario's guests. The master waits for its slaves to join, boots each with SDM_BOOT
// (payload: a load address and an entry point, as remoteproc would give a core), then sends each
// slave in turn an SDM_IRQ whose payload is a mailbox message: [command, sequence number]. Each
// slave, once booted, answers every IRQ with [sequence number + 1, its own id]. Both take signals
// from their hg_vq with the driver's poll() and sleep in vm.waitAsync between them (the device's
// interrupt), so the page's pause and stop reach them.
import type { WorkbenchGuest } from '../guest/runner.ts';

export interface SdmArg { role: 'master' | 'slave'; slaves: number; everyMs: number }

export const LOAD_ADDRESS = 0x8000_0000;
export const COMMAND = 0xc0de;

export default async function main(vm: WorkbenchGuest, arg: SdmArg) {
  const sdm = vm.sdm!;
  sdm.setup();
  const hex = (n: number) => `0x${n.toString(16)}`;
  if (arg.role === 'slave') {
    vm.log(`slave ${sdm.id}: booted at ${hex(sdm.bootPayload[0])}, entry ${hex(sdm.bootPayload[1])}`);
    let answered = 0;
    for (;;) {
      const signal = sdm.poll();
      if (signal) {
        sdm.irq(0, [signal.payload[1] + 1, sdm.id]);
        answered++;
        vm.log(`slave ${sdm.id}: IRQ [${hex(signal.payload[0])}, ${signal.payload[1]}], answered`);
        continue;
      }
      if (sdm.prepareToWait()) continue;
      if (await vm.waitAsync({ timeoutMs: 1000 }) === -2) return answered;
    }
  }
  while (sdm.config.currentSlaves < arg.slaves) {
    sdm.prepareToWait();
    if (await vm.waitAsync({ timeoutMs: 50 }) === -2) return 0;
  }
  const pause = (ms: number) => vm.waitAsync({ timeoutMs: ms });
  for (let id = 1; id <= arg.slaves; id++) {
    sdm.boot(id, [LOAD_ADDRESS + id * 0x10_0000, 0x100]);
    vm.log(`master: SDM_BOOT to slave ${id}`);
    if (await pause(arg.everyMs) === -2) return 0;
  }
  let sequence = 0;
  let replies = 0;
  let next = performance.now();
  for (;;) {
    if (performance.now() >= next) {
      const slave = (sequence % arg.slaves) + 1;
      sdm.irq(slave, [COMMAND, ++sequence]);
      next = performance.now() + arg.everyMs;
    }
    for (let reply = sdm.poll(); reply; reply = sdm.poll()) {
      replies++;
      vm.log(`master: slave ${reply.slave} answered [${reply.payload.join(', ')}]`);
    }
    if (sdm.prepareToWait()) continue;
    if (await vm.waitAsync({ timeoutMs: Math.max(0, next - performance.now()) }) === -2) return replies;
  }
}
