// Rings vector 0 of ivshmem-v2 peer `peer` as fast as it can until the host stops the VM; returns
// how many times it rang. Two of these race for a one-shot device's enable bit.
import type { Guest } from '../../src/index.ts';

export default function main(vm: Guest, arg: { peer: number }): number {
  vm.driver.enableDevice(vm.device);
  const bar = vm.device.bar(0);
  let rang = 0;
  while (!vm.stopping) {
    for (let i = 0; i < 256; i++) bar.write(0x0c, 4, arg.peer << 16);
    rang += 256;
  }
  return rang;
}
