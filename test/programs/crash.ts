// A guest whose worker dies: an exception nobody catches, outside the program's promise.
import type { Guest } from '../../src/index.ts';

export default async function main(vm: Guest) {
  vm.log('crashing');
  setTimeout(() => { throw new Error(`guest ${vm.id} crashed`); }, 0);
  return new Promise(() => {});
}
