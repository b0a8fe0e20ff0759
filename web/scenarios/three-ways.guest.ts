// The plain VM of "three ways": ivshmem-plain has no interrupts, so it polls. It watches the word
// at FLAG (written by anyone who maps the memory: the page's hex view, another guest) and, each time
// it changes, copies it to ECHO and counts the changes it saw at SEEN.
import type { WorkbenchGuest } from '../guest/runner.ts';

export const FLAG = 0x100;
export const ECHO = 0x104;
export const SEEN = 0x108;

export default async function main(vm: WorkbenchGuest, arg: { everyMs: number }) {
  vm.driver.enableDevice(vm.device); // Memory Space: BAR2 is decoded; nothing else to bring up
  const memory = vm.device.memoryBar;
  let last = memory.read(FLAG, 4);
  let seen = 0;
  vm.log(`plain VM up: BAR2 is ${(memory.bytes?.length ?? 0) >> 20} MiB, IVPosition ${vm.device.bar(0).read(8, 4)}; polling 0x${FLAG.toString(16)}`);
  for (;;) {
    // Nothing can interrupt it: it looks every few milliseconds (the wait only times out, or stops).
    if (await vm.waitAsync({ timeoutMs: arg.everyMs }) === -2) return seen;
    const now = memory.read(FLAG, 4);
    if (now === last) continue;
    last = now;
    memory.write(ECHO, 4, now);
    memory.write(SEEN, 4, ++seen);
    vm.log(`saw the flag become 0x${now.toString(16)} (change ${seen})`);
  }
}
