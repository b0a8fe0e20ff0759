// "Copy as QEMU command line": the workbench's setup as the ivshmem-server and QEMU commands that
// build it on a real host, one QEMU process per VM (each with its own -chardev to the server). A
// sysbus device (ivshmem-flat) gets the board wiring its layout says: the machine, and the
// series' x- properties for where its regions sit and which interrupt input its line drives.
import type { DeviceLayout } from '../../src/index.ts';
import type { Setup } from './workbench.ts';

/** The boards the ivshmem-flat series allowed it on, by the interrupt controller's QOM path. */
const BOARDS: [RegExp, string][] = [[/^\/machine\/armv7m\//, 'mps2-an385'], [/^\/machine\/soc\/v7m\//, 'lm3s6965evb']];

function sysbus(device: string, layout: DeviceLayout, i: number, socket: string): string[] {
  const [regs, memory] = layout.bars;
  const board = BOARDS.find(([path]) => path.test(layout.irq ?? ''))?.[1] ?? 'lm3s6965evb';
  const has = (name: string) => new RegExp(`(^|,)${name}=`).test(device);
  const wiring = [
    has('x-irq-qompath') ? '' : `,x-irq-qompath='${layout.irq}'`,
    has('x-bus-address-iomem') ? '' : `,x-bus-address-iomem=0x${regs.address?.toString(16)}`,
    has('x-bus-address-shmem') ? '' : `,x-bus-address-shmem=0x${memory.address?.toString(16)}`,
  ].join('');
  return [
    `# MCU ${i + 1}: QEMU 10.0 has ivshmem-flat but refuses it on the command line (not user-creatable, no`,
    '# board wires it); this board wiring needs the series\' unmerged part (v3: x-bus-address-*, x-irq-qompath)',
    [`qemu-system-arm -machine ${board} -cpu cortex-m3 -nographic -net none`,
      `  -chardev socket,path=${socket},id=srv`,
      `  -device ${device}${wiring}`,
      `  -kernel zephyr${i}.elf`].join(' \\\n'),
    '',
  ];
}

export function commandLines(setup: Setup, socket: string, devices: { text: string; layout: DeviceLayout }[]): string {
  const lines = [
    '# the server: owns the shared memory (/dev/shm/ivshmem) and one eventfd per vector per client',
    `ivshmem-server -F -v -S ${socket} -M ivshmem -l ${setup.size} -n ${setup.vectors}`,
    '',
  ];
  devices.forEach(({ text: device, layout }, i) => {
    if (layout.transport === 'sysbus') {
      lines.push(...sysbus(device, layout, i, socket));
      return;
    }
    const args = [`qemu-system-x86_64 -machine pc -accel ${setup.accel} -m 1G`, `  -drive file=guest${i}.qcow2,if=virtio`];
    if (device.startsWith('-ivshmem')) {
      args.push(`  ${device}    # the 2010 patch's option, not in mainline QEMU`);
    } else {
      if (/(^|,)memdev=hmb(,|$)/.test(device)) args.push(`  -object memory-backend-file,id=hmb,size=${setup.size},mem-path=/dev/shm/ivshmem,share=on`);
      if (/(^|,)chardev=srv(,|$)/.test(device)) args.push(`  -chardev socket,path=${socket},id=srv`);
      args.push(`  -device ${device}`);
    }
    lines.push(`# VM ${i + 1}`, args.join(' \\\n'), '');
  });
  return lines.join('\n');
}
