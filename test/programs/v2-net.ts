// Two Jailhouse cells on ivshmem-v2, the way ivshmem-net brings its link up: probe (the sections
// from the vendor capability), interrupts on, then the state handshake over the state table until
// both sides RUN; then one word each way, written into the own output section (TX) and read from
// the peer's (RX), announced on vector 1 as ivshmem-net's tx/rx vector.
import type { Guest } from '../../src/index.ts';

export default async function main(vm: Guest, arg: { budgetMs?: number } = {}) {
  const { device } = vm;
  const v2 = vm.driver.v2;
  const found = v2.probe(device);
  v2.enableInterrupts(device);
  const peer = found.id === 0 ? 1 : 0;
  const deadline = performance.now() + (arg.budgetMs ?? 60_000);
  const next = async () => {
    const vector = await vm.waitAsync({ timeoutMs: Math.max(1, deadline - performance.now()) });
    if (vector < 0) throw new Error(`stuck in state ${handshake.state}, the peer in ${v2.peerState(device, found, peer)}`);
    return vector;
  };
  let initialized = false;
  const handshake = new v2.NetHandshake(device, found, peer, { init: () => { initialized = true; } });
  const states = [handshake.start()];
  const seen = (state: number) => { if (states.at(-1) !== state) states.push(state); };
  while (handshake.state !== v2.NET_STATE.RUN || v2.peerState(device, found, peer) !== v2.NET_STATE.RUN) {
    if (await next() === 0) seen(handshake.check());
  }
  device.bar(2).write(found.output(found.id).offset, 4, 0xc0de0000 + found.id);
  vm.ring(peer, 1);
  while (await next() !== 1) seen(handshake.check());
  const received = device.bar(2).read(found.output(peer).offset, 4);
  return { id: found.id, states, initialized, received, protocol: found.protocol };
}
