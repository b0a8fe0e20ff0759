// vm.ring on ivshmem-flat: the Doorbell's vector is 16 bits there, so 0x100 and 0xffff are rung
// (and ignored by a peer that has no eventfd for them); 0x10000 does not fit and is refused.
import type { Guest } from '../../src/index.ts';

export default async function main(vm: Guest, arg: { to: number }) {
  const rang: number[] = [];
  for (const vector of [0, 0x100, 0xffff]) {
    vm.ring(arg.to, vector);
    rang.push(vector);
  }
  let refused: string | undefined;
  try {
    vm.ring(arg.to, 0x10000);
  } catch (error) {
    refused = (error as Error).name;
  }
  return { rang, refused };
}
