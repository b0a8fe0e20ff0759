// A guest whose program throws.
import type { Guest } from '../../src/index.ts';

export default async function main(vm: Guest) {
  vm.log('about to fail');
  throw new RangeError(`guest ${vm.id} gave up`);
}
