// Figure 2: a doorbell's rate one way (VM to VM, the receiver counting without taking), and a
// broadcast: one VM rings each of N parked VMs in turn; the time until the last of them is awake.
// Runs in Node and in Chromium; the platform gives the program's URL.
import { Host, type Vm } from '../../src/index.ts';
import type { Row, Table } from '../lib/stats.ts';

export interface FanOutOptions {
  platform: string;
  /** URL of bench/programs/fan-out.ts as a VM worker imports it */
  programUrl: string;
  quick: boolean;
  /** peer counts for the broadcast */
  sizes: number[];
  progress?(text: string): void;
}

export async function fanOutFigure(options: FanOutOptions): Promise<Table[]> {
  const { programUrl, quick } = options;
  const say = options.progress ?? (() => {});
  const tables: Table[] = [];
  {
    say('fan-out: rate one way');
    const host = await Host.create({ memory: '16M' });
    try {
      host.addServer({ id: 'srv', size: '1M', vectors: 1 });
      const sink = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: programUrl, arg: { role: 'sink' } });
      await sink.result;
      const sender = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv' });
      const count = quick ? 100_000 : 400_000;
      const samples: number[] = [];
      for (let i = 0; i < (quick ? 5 : 11); i++) {
        const before = sink.counters.delivered[0];
        const ms = (await sender.run(programUrl, { role: 'rate', peers: [sink.id], count })) as number;
        const delivered = sink.counters.delivered[0] - before;
        if (delivered !== count) throw new Error(`rate: ${delivered} of ${count} doorbells delivered`);
        samples.push(count / ms / 1000);
      }
      tables.push({
        title: `${options.platform}: doorbell rate, one VM ringing another`,
        unit: 'M doorbells/s',
        method: `Each sample: ${count} doorbells through the guest API (vm.ring), each one delivered (counted in the `
          + 'receiver\'s MSI-X delivered counter, checked); the receiver does not take them, so none needs a wake-up.',
        rows: [{ label: 'ivshmem-doorbell, vm.ring in a loop', samples }],
      });
    } finally {
      await host.shutdown();
    }
  }
  const rows: Row[] = [];
  for (const n of options.sizes) {
    say(`fan-out: broadcast to ${n} parked VMs`);
    rows.push(await broadcast(n, options));
  }
  tables.push({
    title: `${options.platform}: broadcast, one VM rings N parked VMs in turn, until the last is awake`,
    unit: 'us',
    method: 'Each sample is one broadcast: the sender rings every peer (a doorbell each, the 32-bit devices have no '
      + 'broadcast), each peer parked in wait({ mode: \'block\' }) writes when it woke; the sample is the last wake-up '
      + `minus the first ring, on the clock all threads share. Each VM is a worker on its own machine; a size that `
      + `cannot be spawned or does not wake within its budget (${SPAWN_BUDGET_MS / 1000} s to spawn, `
      + `${ROUND_BUDGET_MS / 1000} s a round) is reported as such, and the other sizes are still measured.`,
    rows,
  });
  return tables;
}

const SPAWN_BUDGET_MS = 600_000;
const ROUND_BUDGET_MS = 60_000;

/** One row: N peers parked, a sender ringing them all, `rounds` times; or why it could not be measured. */
async function broadcast(n: number, options: FanOutOptions): Promise<Row> {
  const { programUrl, quick } = options;
  const label = `${n} peers`;
  const rounds = quick ? 5 : 15;
  // A device block (68 KiB) and a peer table (12 KiB at 1024 peers) per VM, plus the server's memory.
  const host = await Host.create({ memory: `${Math.ceil(16 + n / 8)}M`, maxPeers: Math.max(1024, n + 1) });
  try {
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const peers: Vm[] = [];
    const spawnDeadline = performance.now() + SPAWN_BUDGET_MS;
    // A few at a time: each starts a worker, which a 2-core machine does one by one anyway.
    while (peers.length < n) {
      if (performance.now() > spawnDeadline) return { label, samples: [], note: `not measured: ${peers.length} of ${n} peers spawned within ${SPAWN_BUDGET_MS / 1000} s` };
      const batch = Math.min(8, n - peers.length);
      peers.push(...await Promise.all(Array.from({ length: batch }, () =>
        host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: programUrl, arg: { role: 'peer', rounds } }))));
    }
    const sender = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv' });
    const outcome = (await sender.run(programUrl, { role: 'sender', peers: peers.map((p) => p.id), rounds, budgetMs: ROUND_BUDGET_MS })) as
      { times: number[] } | { failed: string };
    if ('failed' in outcome) return { label, samples: [], note: `not measured: ${outcome.failed}` };
    await Promise.all(peers.map((p) => p.result));
    return { label, samples: outcome.times.map((ms) => ms * 1000) };
  } catch (error) {
    return { label, samples: [], note: `not measured: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    // Stops the peers still parked (their waits have no timeout) and frees every worker.
    await host.shutdown();
  }
}
