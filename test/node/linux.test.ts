// Linux guests: two v86 PCs boot Debian's i386 kernel over this project's device (the legacy
// ivshmem with msi=off: INTx, as uio_pci_generic drives it), enumerate it with QEMU's identity,
// and exchange messages through BAR2 and doorbells both ways with linux/ivshmem-uio; a JavaScript
// VM on the same server does the same with one of them. The images come from
// `npm run build:linux`; without them (a machine that cannot reach Debian's packages) the test is
// skipped, saying so.
import { describe, expect, test } from 'vitest';
import { Host, QemuError, type LinuxVm } from '../../src/index.ts';
import { linuxImages, LINUX_IMAGES_MISSING } from '../../linux/images.ts';

// A boot is some 15 s of CPU; on a loaded 2-core machine two at once take minutes.
const BOOT_MS = 12 * 60_000;
const COMMAND_MS = 3 * 60_000;
const DEVICE = 'ivshmem,chardev=srv,size=1M,msi=off';

/** What the image's /init printed about the device (linux/init, from /sys), parsed. */
function identity(vm: LinuxVm) {
  const pci = /ivshmem: pci (\S+) vendor (\S+) device (\S+) class (\S+) revision (\S+) irq (\d+)/.exec(vm.console)!;
  const bars = [...vm.console.matchAll(/ivshmem: bar(\d) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+)/g)].map((m) => ({
    index: Number(m[1]), size: Number(BigInt(m[3]) - BigInt(m[2]) + 1n), flags: Number(m[4]),
  }));
  return { address: pci[1], vendor: pci[2], device: pci[3], class: pci[4], revision: pci[5], irq: Number(pci[6]), bars };
}

const IORESOURCE_MEM = 0x200;
const IORESOURCE_PREFETCH = 0x2000;
const IORESOURCE_MEM_64 = 0x100000;

/** `to` waits in ivshmem-uio recv while `from` sends; both commands' output. */
function exchange(from: LinuxVm, to: LinuxVm | number, text: string) {
  const id = typeof to === 'number' ? to : to.id;
  return Promise.all([
    from.command(`ivshmem-uio send ${id} ${text}`, { timeoutMs: COMMAND_MS }),
    typeof to === 'number' ? undefined : to.command('ivshmem-uio recv 120000', { timeoutMs: COMMAND_MS }),
  ]);
}

// v86's PC has a PCI bus and no board to map a sysbus or virtio-mmio device on: such a device is
// refused before anything is taken (no worker starts, so the images are never read).
test('a Linux VM refuses a device that is not a PCI function, and nothing changes', async () => {
  const host = await Host.create({ memory: '16M' });
  host.addServer({ id: 'srv', size: '64K', vectors: 1 });
  const images = { kernel: new Uint8Array(1), initrd: new Uint8Array(1), bios: new Uint8Array(1), vgaBios: new Uint8Array(1) };
  try {
    const before = host.resources();
    for (const [device, model] of [['ivshmem-flat,chardev=srv,shmem-size=65536', 'ivshmem-flat'], ['virtio-sdm,master=on', 'virtio-sdm']]) {
      const spawning = host.spawn({ device, linux: images });
      await expect(spawning).rejects.toThrow(QemuError);
      await expect(spawning).rejects.toThrow(`${model} is not a PCI device`);
    }
    expect(host.resources()).toEqual(before);
    // the server still has its first ID free: a guest program's VM on it is peer 0
    const vm = await host.spawn({ device: 'ivshmem-flat,chardev=srv,shmem-size=65536' });
    expect(vm.id).toBe(0);
  } finally {
    await host.shutdown();
  }
}, 60_000);

describe.skipIf(!linuxImages)(`Linux guests${linuxImages ? '' : ` (skipped: ${LINUX_IMAGES_MISSING})`}`, () => {
  test('two Linux VMs enumerate the device as QEMU shows it and exchange messages both ways through uio_pci_generic; a JavaScript VM and a Linux VM too', async () => {
    const host = await Host.create({ memory: '32M' });
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const [a, b] = await Promise.all([0, 1].map(() => host.spawn({ device: DEVICE, linux: linuxImages! })));
    try {
      await Promise.all([a, b].map((vm) => vm.waitFor('ivshmem: ready', { timeoutMs: BOOT_MS })));
      for (const vm of [a, b]) {
        const seen = identity(vm);
        // hw/misc/ivshmem.c (QEMU 2.x's legacy device): PCI_VENDOR_ID_IVSHMEM 0x1af4,
        // PCI_DEVICE_ID_IVSHMEM 0x1110, PCI_CLASS_MEMORY_RAM, revision 0, interrupt pin 1 (so an
        // IRQ); BAR0 IVSHMEM_REG_BAR_SIZE 0x100, BAR2 the size= bytes, 64-bit prefetchable (use64=1)
        expect(seen).toMatchObject({ address: '0000:00:04.0', vendor: '0x1af4', device: '0x1110', class: '0x050000', revision: '0x00' });
        expect(seen.irq).toBeGreaterThan(0);
        expect(seen.bars.map((bar) => [bar.index, bar.size])).toEqual([[0, 256], [2, 1 << 20]]);
        expect(seen.bars[0].flags & IORESOURCE_MEM).toBeTruthy();
        expect(seen.bars[1].flags & (IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_MEM_64)).toBe(IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_MEM_64);
        // the tool reads IVPosition from BAR0 (the server's ID) and the sizes from sysfs
        expect(vm.console).toContain(`ivshmem: id ${vm.id} bar0 256 bar2 ${1 << 20}`);
      }
      expect([a.id, b.id].sort()).toEqual([0, 1]);
      for (const [from, to] of [[a, b], [b, a]]) {
        const [sent, received] = await exchange(from, to, `hello-from-${from.id}`);
        expect(sent).toBe(`sent to ${to.id}\n`);
        expect(received).toBe(`from ${from.id}: hello-from-${from.id}\n`);
      }
      // each message was one rising edge of the INTx line, taken by uio_pci_generic's handler
      expect([a.counters.delivered[0], b.counters.delivered[0]]).toEqual([1, 1]);
      expect(await a.command('grep -c uio /proc/interrupts', { timeoutMs: COMMAND_MS })).toBe('1\n');

      const js = await host.spawn({ device: DEVICE, program: new URL('../../programs/mailbox.ts', import.meta.url).href, arg: { rounds: 1, timeoutMs: 1000 } });
      const [sent] = await exchange(b, js.id, 'hello-from-linux');
      expect(sent).toBe(`sent to ${js.id}\n`);
      expect(await js.result).toEqual(['hello-from-linux']);
      expect(js.log).toContain(`from ${b.id}: hello-from-linux`);
      expect(await b.command('ivshmem-uio recv 120000', { timeoutMs: COMMAND_MS })).toBe(`from ${js.id}: echo: hello-from-linux\n`);
    } finally {
      await host.shutdown();
    }
  }, 2 * BOOT_MS);
});
