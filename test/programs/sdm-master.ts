// An SDM master: waits for `slaves` slaves to join, boots each with SDM_BOOT (payload: a "load
// address" and the id), then exchanges `rounds` SDM_IRQs with each and checks every reply.
import type { Guest } from '../../src/index.ts';

export default async function main(vm: Guest, arg: { slaves: number; rounds: number; timeoutMs?: number }) {
  const sdm = vm.sdm!;
  sdm.setup();
  while (sdm.config.currentSlaves < arg.slaves) {
    sdm.prepareToWait();
    await vm.waitAsync({ timeoutMs: 50 });
  }
  vm.log(`master: ${sdm.config.currentSlaves} slaves`);
  for (let id = 1; id <= arg.slaves; id++) sdm.boot(id, [0x1000 * id, id]);
  let replies = 0;
  const wrong: unknown[] = [];
  for (let round = 0; round < arg.rounds; round++) {
    for (let id = 1; id <= arg.slaves; id++) sdm.irq(id, [round * 100 + id, 0]);
    const seen = new Set<number>();
    while (seen.size < arg.slaves) {
      const reply = sdm.next({ mode: 'block', timeoutMs: arg.timeoutMs ?? 60_000 });
      if (!reply) return { replies, wrong, timedOut: true };
      if (reply.payload[0] !== round * 100 + reply.slave + 1 || reply.payload[1] !== reply.slave || seen.has(reply.slave)) wrong.push(reply);
      seen.add(reply.slave);
      replies++;
    }
  }
  vm.log(`master: ${replies} replies`);
  return { replies, wrong, timedOut: false };
}
