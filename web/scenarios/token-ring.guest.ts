// Token ring: each interrupt is the token arriving; the VM holds it for a while (its "work"), then
// rings the next member by ID, wrapping around. Members sign in with a word per ID at the start of
// the shared memory, so the page's own ivshmem-client (a peer without a program) is skipped; each
// counts the tokens it passed at 0x80 + 4 * ID.
import type { WorkbenchGuest } from '../guest/runner.ts';

export interface TokenRingArg { holdMs: number }

function nextMember(vm: WorkbenchGuest): number | undefined {
  const memory = vm.device.memoryBar;
  const ids = vm.peers().map((p) => p.id).filter((id) => id !== vm.id && id < 32 && memory.read(id * 4, 4) === 1);
  ids.sort((a, b) => a - b);
  return ids.find((id) => id > vm.id) ?? ids[0];
}

export default async function main(vm: WorkbenchGuest, arg: TokenRingArg) {
  vm.bringUp();
  vm.device.memoryBar.write(vm.id * 4, 4, 1);
  vm.log(`VM ${vm.id} joined the ring`);
  let passed = 0;
  for (;;) {
    const vector = arg.holdMs > 0 ? await vm.waitAsync() : vm.wait();
    if (vector === -2) break;
    if (vector < 0) continue;
    if (arg.holdMs > 0) await new Promise((resolve) => setTimeout(resolve, arg.holdMs));
    const next = nextMember(vm);
    if (next !== undefined) {
      passed++;
      vm.device.memoryBar.write(0x80 + (vm.id & 0x1f) * 4, 4, passed);
      vm.ring(next, 0);
    }
  }
  vm.device.memoryBar.write(vm.id * 4, 4, 0);
  return passed;
}
