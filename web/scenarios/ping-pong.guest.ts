// Ping-pong: the pinger rings the ponger's vector 0 and waits for the answer on its own vector 0;
// the ponger answers each ring. The pinger records every round trip (vm.roundTrip) for the
// latency histogram. Both wait in the mode the page selects for them (block, poll or spin).
import type { WorkbenchGuest } from '../guest/runner.ts';

export interface PingPongArg { role: 'ping' | 'pong'; burst: number; restMs: number }

export default async function main(vm: WorkbenchGuest, arg: PingPongArg) {
  vm.bringUp();
  const other = () => vm.peers().map((p) => p.id).find((id) => id !== vm.id && vm.device.memoryBar.read(id * 4, 4) === 1);
  vm.device.memoryBar.write(vm.id * 4, 4, 1);
  let trips = 0;
  if (arg.role === 'pong') {
    for (;;) {
      const v = vm.wait();
      if (v === -2) return trips;
      if (v < 0) continue;
      const peer = other();
      if (peer !== undefined) vm.ring(peer, 0);
      trips++;
    }
  }
  for (;;) {
    const peer = other();
    if (peer === undefined) {
      if (await vm.waitAsync({ timeoutMs: 50 }) === -2) return trips;
      continue;
    }
    for (let i = 0; i < arg.burst; i++) {
      const start = performance.now();
      vm.ring(peer, 0);
      const v = vm.wait({ timeoutMs: 500 });
      if (v === -2) return trips;
      if (v >= 0) {
        vm.roundTrip((performance.now() - start) * 1000);
        trips++;
      }
    }
    vm.device.memoryBar.write(0x80 + (vm.id & 0x1f) * 4, 4, trips);
    // A rest between bursts keeps the page (and a 2-core machine) breathing.
    if (await vm.waitAsync({ timeoutMs: arg.restMs }) === -2) return trips;
  }
}
