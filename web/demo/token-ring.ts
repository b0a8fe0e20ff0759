// The demo's guest program: a token travels around every VM on the server. Each interrupt is the
// token arriving; the VM passes it on to the next member by ID (wrapping around) and waits again.
// Members are the peers its device knows from the server that have also signed in, a word per ID
// at the start of the shared memory (other clients, like the page's ivshmem-client, have not). VMs
// come and go; the peer table follows the server.
import { STOPPED, type Guest, type WaitMode } from '../../src/index.ts';

function member(vm: Guest, id: number): boolean {
  return vm.device.memoryBar.read(id * 4, 4) === 1;
}

function nextPeer(vm: Guest): number | undefined {
  const ids = vm.peers().map((p) => p.id).filter((id) => id !== vm.id && member(vm, id)).sort((a, b) => a - b);
  return ids.find((id) => id > vm.id) ?? ids[0];
}

export default async function main(vm: Guest, arg: { mode: WaitMode; holdUs: number }) {
  vm.bringUp();
  vm.device.memoryBar.write(vm.id * 4, 4, 1);
  vm.log(`VM ${vm.id} up`);
  let passed = 0;
  for (;;) {
    const vector = vm.wait({ mode: arg.mode });
    if (vector === STOPPED) break;
    if (vector < 0) continue;
    // Hold the token a little, as a real handler would do some work.
    const until = performance.now() + arg.holdUs / 1000;
    while (performance.now() < until) { /* work */ }
    const next = nextPeer(vm);
    if (next !== undefined) {
      vm.ring(next, 0);
      passed++;
    }
  }
  vm.device.memoryBar.write(vm.id * 4, 4, 0);
  vm.log(`VM ${vm.id} passed the token ${passed} times`);
  return passed;
}
