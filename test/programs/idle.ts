// A guest with nothing to do but wait, without blocking its worker.
import type { Guest } from '../../src/index.ts';

export default async function main(vm: Guest, arg: { timeoutMs: number }) {
  vm.bringUp();
  return vm.waitAsync({ timeoutMs: arg.timeoutMs });
}
