// Two VM workers with ivshmem-doorbell devices on one server, ringing each other through the whole
// emulated path (Doorbell decode, peer table, eventfd slot, MSI-X, IRR, wake-up), batch by batch.
import { Host, type SpinStats, type WaitMode } from '../../src/index.ts';
import type { Pair } from './threads.ts';

const BATCH_BUDGET_MS = 120_000;

export interface VmPair extends Pair {
  host: Host;
  /** `rounds` round trips in the pair's own wait mode, or in `as` */
  batch(rounds: number, as?: WaitMode): Promise<number>;
  /** each side's 'spin' policy counts after the last batch (cumulative) */
  spinStats(): SpinStats[];
}

export async function vmPair(programUrl: string, mode: WaitMode): Promise<VmPair> {
  const host = await Host.create({ memory: '16M' });
  host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const vms = [
    await host.spawn({ device: 'ivshmem-doorbell,chardev=srv' }),
    await host.spawn({ device: 'ivshmem-doorbell,chardev=srv' }),
  ];
  let spin: SpinStats[] = [];
  return {
    host,
    spinStats: () => spin,
    async batch(rounds, as = mode) {
      // The program's waits have no timeout (bench/programs/ping-pong.ts): a batch that has not
      // ended well past any plausible length stops both VMs, whose waits then fail the batch.
      const watchdog = setTimeout(() => { for (const vm of vms) vm.stop(); }, BATCH_BUDGET_MS);
      const results = (await Promise.all(vms.map((vm, side) => vm.run(programUrl, { rounds, side, mode: as })))
        .finally(() => clearTimeout(watchdog))) as { elapsedMs: number; received: number; spin: SpinStats }[];
      spin = results.map((r) => r.spin);
      if (results.some((r) => r.received !== rounds)) throw new Error(`lost interrupts: ${results.map((r) => r.received)} of ${rounds}`);
      return results[0].elapsedMs;
    },
    async close() {
      await host.shutdown();
    },
  };
}
