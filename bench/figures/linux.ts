// Figure 8: Linux guests (v86) over the device, beside JavaScript guests in the same run: the boot
// to a shell, the doorbell round trip Linux to Linux through uio_pci_generic (INTx) against two
// JavaScript VMs, and BAR2's bandwidth from the guest against the host's own stores into the same
// shared memory (as plain memory, and through the device's bar(2)).
import { Host, type LinuxOptions, type LinuxVm } from '../../src/index.ts';
import { measureTable, type Table } from '../lib/stats.ts';
import { vmPair } from '../lib/vm-pair.ts';

export interface LinuxFigureOptions {
  images: LinuxOptions;
  /** URL of bench/programs/ping-pong.ts as a VM worker imports it */
  programUrl: string;
  quick: boolean;
  progress?(text: string): void;
}

const DEVICE = 'ivshmem,chardev=srv,size=1M,msi=off';
// A boot is some 15 s of CPU; on a loaded 2-core machine, minutes.
const BOOT_MS = 15 * 60_000;
const COMMAND_MS = 5 * 60_000;

const LABELS = {
  boot: 'Linux VM: spawn to a shell (v86, Debian 6.1 i386)',
  spawnJs: 'JavaScript VM: spawn',
  linuxRtt: 'Linux to Linux: ivshmem-uio ping/pong (uio_pci_generic, INTx)',
  jsRtt: "JavaScript VMs: ivshmem-doorbell, wait({ mode: 'block' })",
  linuxWrite: 'Linux guest: 32-bit stores to BAR2',
  linuxRead: 'Linux guest: 32-bit loads from BAR2',
  hostMemory: 'host: Int32Array stores into the same memory',
  hostBar: 'host: device.bar(2).write, 4 bytes',
};

export async function linuxFigure(options: LinuxFigureOptions): Promise<Table[]> {
  const { quick, progress = () => {} } = options;
  const host = await Host.create({ memory: '32M' });
  host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const boot = async () => {
    const start = performance.now();
    const vm = await host.spawn({ device: DEVICE, linux: options.images });
    await vm.untilPrompt({ timeoutMs: BOOT_MS });
    return { vm, seconds: (performance.now() - start) / 1000 };
  };
  const linux: LinuxVm[] = [];
  const tables: Table[] = [];
  try {
    progress('booting two Linux VMs');
    tables.push(await measureTable({
      title: 'Boot to a shell',
      unit: 's',
      method: 'host.spawn to the initramfs shell prompt on the serial console (the two VMs of the tables below, one after the other); a JavaScript VM: host.spawn to its device realized',
      rounds: 2,
      contenders: [
        { label: LABELS.boot, sample: async () => { const { vm, seconds } = await boot(); linux.push(vm); return seconds; }, compare: [{ to: LABELS.spawnJs }] },
        { label: LABELS.spawnJs, sample: async () => { const start = performance.now(); const vm = await host.spawn({ device: DEVICE }); const s = (performance.now() - start) / 1000; await vm.terminate(); return s; } },
      ],
    }));
    const [a, b] = linux;
    const rounds = quick ? 200 : 1000;
    const js = await vmPair(options.programUrl, 'block');
    progress('round trips');
    tables.push(await measureTable({
      title: 'Doorbell round trip',
      unit: 'us',
      method: `${rounds} round trips a sample; Linux: the time ivshmem-uio ping measures in the guest (CLOCK_MONOTONIC) over its run, divided by the rounds`,
      rounds: quick ? 3 : 7,
      contenders: [
        {
          label: LABELS.linuxRtt,
          compare: [{ to: LABELS.jsRtt }],
          sample: async () => {
            const pong = b.command(`ivshmem-uio pong ${a.id} ${rounds}`, { timeoutMs: COMMAND_MS });
            const out = await a.command(`ivshmem-uio ping ${b.id} ${rounds}`, { timeoutMs: COMMAND_MS });
            await pong;
            const us = /ping done \d+ rounds (\d+) us/.exec(out);
            if (!us) throw new Error(`ivshmem-uio ping said: ${out}`);
            return Number(us[1]) / rounds;
          },
        },
        { label: LABELS.jsRtt, sample: async () => (await js.batch(rounds)) * 1000 / rounds },
      ],
    }));
    await js.close();
    const mib = quick ? 4 : 16;
    const shared = new Int32Array(a.device.memoryBar.bytes!.buffer, a.device.memoryBar.bytes!.byteOffset, (1 << 20) / 4);
    const guest = async (which: 'write' | 'read') => {
      const out = await a.command(`ivshmem-uio bw ${mib}`, { timeoutMs: COMMAND_MS });
      const m = /bw write (\d+) us read (\d+) us for (\d+) bytes/.exec(out);
      if (!m) throw new Error(`ivshmem-uio bw said: ${out}`);
      return Number(m[3]) / Number(which === 'write' ? m[1] : m[2]);
    };
    progress('BAR2 bandwidth');
    const words = mib * (1 << 18);
    tables.push(await measureTable({
      title: 'BAR2 bandwidth',
      unit: 'MB/s',
      method: `${mib} MiB of 32-bit accesses over the 1 MiB BAR2; the guest's figures are ivshmem-uio bw's (CLOCK_MONOTONIC in the guest)`,
      rounds: quick ? 3 : 7,
      contenders: [
        { label: LABELS.linuxWrite, sample: () => guest('write'), compare: [{ to: LABELS.hostMemory }, { to: LABELS.hostBar }] },
        { label: LABELS.linuxRead, sample: () => guest('read') },
        {
          label: LABELS.hostMemory,
          sample: async () => {
            const start = performance.now();
            for (let i = 0; i < words; i++) shared[i & (shared.length - 1)] = i;
            return (words * 4) / ((performance.now() - start) * 1000);
          },
        },
        {
          label: LABELS.hostBar,
          sample: async () => {
            const bar = a.device.bar(2);
            const start = performance.now();
            for (let i = 0; i < words; i++) bar.write((i * 4) & ((1 << 20) - 1), 4, i >>> 0);
            return (words * 4) / ((performance.now() - start) * 1000);
          },
        },
      ],
    }));
  } finally {
    await host.shutdown();
  }
  return tables;
}
