// Broadcast storm on the 2010 device: every VM, every so often, writes destination 255 (all) and
// its own ID as the value to its 16-bit Doorbell; each guest's INTx handler reads IntrStatus
// (read-to-clear), where the values of the messages that arrived since the last read are OR-ed.
import type { WorkbenchGuest } from '../guest/runner.ts';

export default async function main(vm: WorkbenchGuest, arg: { everyMs: number }) {
  vm.bringUp();
  const regs = vm.device.bar(0);
  let next = performance.now() + arg.everyMs * (1 + vm.id / 4);
  let heard = 0;
  for (;;) {
    const left = Math.max(0, next - performance.now());
    const v = await vm.waitAsync({ timeoutMs: left });
    if (v === -2) return heard;
    if (v >= 0) {
      const status = regs.read(2, 2);
      heard++;
      vm.device.memoryBar.write(0x80 + (vm.id & 0x1f) * 4, 4, heard);
      vm.log(`IntrStatus 0x${status.toString(16).padStart(4, '0')} (IVLiveList 0x${regs.read(8, 2).toString(16)})`);
    }
    if (performance.now() >= next) {
      regs.write(4, 2, (255 << 8) | (vm.id & 0xff));
      next = performance.now() + arg.everyMs;
    }
  }
}
