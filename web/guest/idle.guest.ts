// A VM added from the page: its driver brings the device up (enable, MSI-X on, every vector
// unmasked; IntrMask all ones on the INTx devices) and takes interrupts, logging each and counting
// them in the shared memory (a word per VM at 0x80 + 4 * ID, so the hex view shows who took
// what), until stopped. The page's controls act through the runner between its waits.
import type { WorkbenchGuest } from './runner.ts';

export default async function driver(vm: WorkbenchGuest) {
  vm.bringUp();
  vm.log(`VM ${vm.id}: ${vm.device.model} up`);
  const intx = vm.device.layout.intx;
  const memory = vm.device.memoryBar;
  const counter = 0x80 + 4 * (vm.id & 0x1f);
  for (;;) {
    const vector = vm.wait();
    if (vector === -2) return;
    if (vector < 0) continue;
    memory.write(counter, 4, (memory.read(counter, 4) + 1) >>> 0);
    if (intx) {
      // A level-triggered handler acknowledges by reading IntrStatus (read-to-clear).
      const status = vm.device.bar(0).read(vm.device.model === 'ivshmem-2010' ? 2 : 4, vm.device.model === 'ivshmem-2010' ? 2 : 4);
      vm.log(`INTx, IntrStatus was 0x${status.toString(16)}`);
    } else {
      vm.log(`interrupt on vector ${vector}`);
    }
  }
}
