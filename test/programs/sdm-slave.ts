// An SDM slave (e.g. a remoteproc-managed core): once booted, it answers each SDM_IRQ from the
// master with an SDM_IRQ carrying [payload[0] + 1, its own id], `rounds` times.
import type { Guest } from '../../src/index.ts';

export default async function main(vm: Guest, arg: { rounds: number; mode?: 'block' | 'poll' | 'spin' }) {
  const sdm = vm.sdm!;
  sdm.setup();
  vm.log(`slave ${sdm.id} booted with ${sdm.bootPayload.join(',')}`);
  let answered = 0;
  const unexpected: unknown[] = [];
  while (answered < arg.rounds) {
    const signal = sdm.next({ mode: arg.mode ?? 'block', timeoutMs: 60_000 });
    if (!signal) break;
    if (signal.type !== 0 || signal.slave !== 0) unexpected.push(signal);
    sdm.irq(0, [signal.payload[0] + 1, sdm.id]);
    answered++;
  }
  return { id: sdm.id, answered, boot: sdm.bootPayload, unexpected };
}
