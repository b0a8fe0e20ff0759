// One step of QEMU's pair test inside a guest: check that the whole shared memory holds `expect`,
// then (optionally) fill it with `write`. The host runs the steps in order, as qtest drives its VMs.
import type { Guest } from '../../src/index.ts';

export default async function main(vm: Guest, arg: { expect: number; write?: number }) {
  vm.driver.enableDevice(vm.device);
  const bar2 = vm.device.bar(2);
  const expected = BigInt(arg.expect) * 0x0101010101010101n;
  let everywhere = true;
  for (let off = 0; off < bar2.size && everywhere; off += 8) everywhere = bar2.read(off, 8) === expected;
  if (arg.write !== undefined) {
    const word = BigInt(arg.write) * 0x0101010101010101n;
    for (let off = 0; off < bar2.size; off += 8) bar2.write(off, 8, word);
  }
  return everywhere;
}
