// "Copy as QEMU command line": the workbench's setup as the ivshmem-server and QEMU commands that
// build it on a real host, one QEMU process per VM (each with its own -chardev to the server),
// each named as the page names that VM (by its ID, not by its place in the list). A sysbus device
// (ivshmem-flat) gets the board wiring its layout says: the machine, and the series' x- properties
// for where its regions sit and which interrupt input its line drives.
// ivshmem-v2 and its ivshmem2-server come from Jan Kiszka's QEMU RFC, which was never merged: the
// lines say so, and use the RFC's name for the device (ivshmem).
import type { DeviceLayout } from '../../src/index.ts';
import type { Setup } from './workbench.ts';

const isV2 = (device: string) => /^ivshmem-v2(,|$)/.test(device);

function server2Lines(setup: Setup): string[] {
  const s = setup.server2;
  if (!s) return [];
  const protocol = `0x${(s.protocol ?? 0).toString(16).padStart(4, '0')}`;
  return [
    '# the ivshmem2-server of the QEMU RFC "ivshmem revision 2" (contrib/ivshmem2-server, never merged:',
    '# build it from the RFC\'s patches): the memory, a state table entry and an output section per peer',
    `ivshmem2-server -F -v -S ${s.socket ?? '/tmp/ivshmem_socket'} -M ${s.shm ?? 'ivshmem'} -l ${s.size ?? '4M'} -o ${s.outputSectionSize ?? 0} -n ${s.maxPeers ?? 2} -V ${s.vectors ?? 1} -P ${protocol}`,
    '',
  ];
}

/** The boards the ivshmem-flat series allowed it on, by the interrupt controller's QOM path. */
const BOARDS: [RegExp, string][] = [[/^\/machine\/armv7m\//, 'mps2-an385'], [/^\/machine\/soc\/v7m\//, 'lm3s6965evb']];

/** A file name made of the page's name for a VM ("MCU 1" → "mcu1"). */
const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '');

function sysbus(name: string, device: string, layout: DeviceLayout, socket: string): string[] {
  const [regs, memory] = layout.bars;
  const board = BOARDS.find(([path]) => path.test(layout.irq ?? ''))?.[1] ?? 'lm3s6965evb';
  const has = (prop: string) => new RegExp(`(^|,)${prop}=`).test(device);
  const wiring = [
    has('x-irq-qompath') ? '' : `,x-irq-qompath='${layout.irq}'`,
    has('x-bus-address-iomem') ? '' : `,x-bus-address-iomem=0x${regs.address?.toString(16)}`,
    has('x-bus-address-shmem') ? '' : `,x-bus-address-shmem=0x${memory.address?.toString(16)}`,
  ].join('');
  return [
    `# ${name}: QEMU 10.0 has ivshmem-flat but refuses it on the command line (not user-creatable, no`,
    '# board wires it); this board wiring needs the series\' unmerged part (v3: x-bus-address-*, x-irq-qompath)',
    [`qemu-system-arm -machine ${board} -cpu cortex-m3 -nographic -net none`,
      `  -chardev socket,path=${socket},id=srv`,
      `  -device ${device}${wiring}`,
      `  -kernel zephyr-${slug(name)}.elf`].join(' \\\n'),
    '',
  ];
}

export function commandLines(setup: Setup, socket: string, vms: { name: string; device: string; layout: DeviceLayout }[]): string {
  const v1 = setup.server !== false && (vms.length === 0 || vms.some(({ device }) => !isV2(device)));
  const lines = [
    ...(v1 ? [
      '# the server: owns the shared memory (/dev/shm/ivshmem) and one eventfd per vector per client',
      `ivshmem-server -F -v -S ${socket} -M ivshmem -l ${setup.size} -n ${setup.vectors}`,
      '',
    ] : []),
    ...server2Lines(setup),
  ];
  for (const { name, device, layout } of vms) {
    if (layout.transport === 'sysbus') {
      lines.push(...sysbus(name, device, layout, socket));
      continue;
    }
    const args = [`qemu-system-x86_64 -machine pc -accel ${setup.accel} -m 1G`, `  -drive file=guest-${slug(name)}.qcow2,if=virtio`];
    if (isV2(device) && setup.server2) {
      const chardev = /(^|,)chardev=([^,]+)/.exec(device)?.[2];
      args.push(`  -chardev socket,path=${setup.server2.socket ?? '/tmp/ivshmem_socket'},id=${chardev}`);
      args.push(`  -device ${device.replace(/^ivshmem-v2/, 'ivshmem')}    # the RFC's QEMU names ivshmem-v2 'ivshmem'`);
    } else if (device.startsWith('-ivshmem')) {
      args.push(`  ${device}    # the 2010 patch's option, not in mainline QEMU`);
    } else {
      if (/(^|,)memdev=hmb(,|$)/.test(device)) args.push(`  -object memory-backend-file,id=hmb,size=${setup.size},mem-path=/dev/shm/ivshmem,share=on`);
      if (/(^|,)chardev=srv(,|$)/.test(device)) args.push(`  -chardev socket,path=${socket},id=srv`);
      args.push(`  -device ${device}${device.startsWith('virtio-sdm') ? "    # the 2016 RFC's device, never merged into QEMU" : ''}`);
    }
    lines.push(`# ${name}`, args.join(' \\\n'), '');
  }
  return lines.join('\n');
}
