// Two guests ring each other's doorbell `rounds` times, strictly alternating; each counts what it
// receives and what it sends, so lost or duplicated interrupts show.
import type { Guest, WaitMode } from '../../src/index.ts';
import { announceReady, peerReady, someOtherPeer } from './protocol.ts';

export interface PingPongArg {
  rounds: number;
  serve: boolean;
  mode?: WaitMode;
}

export default async function main(vm: Guest, arg: PingPongArg) {
  vm.bringUp();
  announceReady(vm);
  const peer = await someOtherPeer(vm);
  await peerReady(vm, peer);
  let received = 0;
  let sent = 0;
  let unexpected = 0;
  const start = performance.now();
  for (let i = 0; i < arg.rounds; i++) {
    if (!arg.serve) { vm.ring(peer, 0); sent++; }
    const vector = vm.wait({ mode: arg.mode ?? 'spin', timeoutMs: 10_000 });
    if (vector === 0) received++;
    else unexpected++;
    if (vector < 0) break;
    if (arg.serve) { vm.ring(peer, 0); sent++; }
  }
  const elapsedMs = performance.now() - start;
  vm.log(`ping-pong with ${peer}: sent ${sent}, received ${received}`);
  return { id: vm.id, peer, received, sent, unexpected, elapsedMs, extra: vm.device.interrupts.take() };
}
