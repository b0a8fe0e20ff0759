// Two VM workers with ivshmem-doorbell devices on one server, ringing each other through the whole
// emulated path (Doorbell decode, peer table, eventfd slot, MSI-X, IRR, wake-up), batch by batch.
import { Host, type SpinStats, type WaitMode } from '../../src/index.ts';
import type { BatchArg } from '../programs/ping-pong.ts';
import type { Pair } from './threads.ts';

/** How a batch rings and waits: the pair's own mode unless given, vm.ring and no timeout unless asked. */
export type BatchHow = Partial<Pick<BatchArg, 'mode' | 'driver' | 'timeoutMs'>>;

const BATCH_BUDGET_MS = 120_000;

export interface VmPair extends Pair {
  host: Host;
  /** `rounds` round trips in the pair's own wait mode, or as `how` says */
  batch(rounds: number, how?: BatchHow): Promise<number>;
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
    async batch(rounds, how = {}) {
      // The program's waits have no timeout unless asked (bench/programs/ping-pong.ts): a batch that
      // has not ended well past any plausible length stops both VMs, whose waits then fail the batch.
      const watchdog = setTimeout(() => { for (const vm of vms) vm.stop(); }, BATCH_BUDGET_MS);
      const results = (await Promise.all(vms.map((vm, side) => vm.run(programUrl, { mode, ...how, rounds, side: side as 0 | 1 } satisfies BatchArg)))
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
