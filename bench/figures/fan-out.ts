// Figure 2: a doorbell's rate one way (VM to VM, the receiver counting without taking), and a
// broadcast: one VM rings each of N parked VMs in turn; the time until the last of them is awake.
// Runs in Node and in Chromium; the platform gives the program's URL.
import { Host } from '../../src/index.ts';
import type { Table } from '../lib/stats.ts';

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
  const rows = [];
  for (const n of options.sizes) {
    say(`fan-out: broadcast to ${n} parked VMs`);
    const host = await Host.create({ memory: `${Math.max(32, 8 + n)}M` });
    try {
      host.addServer({ id: 'srv', size: '1M', vectors: 1 });
      const rounds = quick ? 5 : 15;
      // The root bus has room for about 30 devices: the rest go behind pci-bridges, 32 slots each.
      const bridges = Math.ceil(Math.max(0, n - 24) / 31);
      for (let i = 0; i < bridges; i++) host.realize(`pci-bridge,id=br${i},chassis_nr=${i + 1}`);
      const peers = [];
      for (let i = 0; i < n; i++) {
        const bus = i < 24 ? '' : `,bus=br${Math.floor((i - 24) / 31)}`;
        peers.push(await host.spawn({ device: `ivshmem-doorbell,chardev=srv${bus}`, program: programUrl, arg: { role: 'peer', rounds } }));
      }
      const sender = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv' });
      const times = (await sender.run(programUrl, { role: 'sender', peers: peers.map((p) => p.id), rounds })) as number[];
      await Promise.all(peers.map((p) => p.result));
      rows.push({ label: `${n} peers`, samples: times.map((ms) => ms * 1000) });
    } finally {
      await host.shutdown();
    }
  }
  tables.push({
    title: `${options.platform}: broadcast, one VM rings N parked VMs in turn, until the last is awake`,
    unit: 'us',
    method: 'Each sample is one broadcast: the sender rings every peer (a doorbell each, the 32-bit devices have no '
      + 'broadcast), each peer parked in wait({ mode: \'block\' }) writes when it woke; the sample is the last wake-up '
      + 'minus the first ring, on the clock all threads share. Peers past 24 sit behind pci-bridges. Not measured: 64 peers '
      + '(a broadcast round did not wake every peer within 30 s in a loaded run; not investigated), 256 and 1024 '
      + '(as many worker threads, too many for a shared 2-core machine; a device\'s peer table holds PEERS_MAX = 128).',
    rows,
  });
  return tables;
}
