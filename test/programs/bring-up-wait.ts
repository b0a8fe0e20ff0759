// vm.bringUp() as the only driver step, then one interrupt: the vector the guest took (-1 if
// none came within timeoutMs). Says 'ready' once its device is up.
import type { Guest } from '../../src/index.ts';

export default async function main(vm: Guest, arg: { timeoutMs?: number } = {}) {
  vm.bringUp();
  vm.log('ready');
  return vm.waitAsync({ timeoutMs: arg.timeoutMs ?? 60_000 });
}
