// "Copy as QEMU command line": the workbench's setup as the ivshmem-server and QEMU commands that
// build it on a real host, one QEMU process per VM (each with its own -chardev to the server).
import type { Setup } from './workbench.ts';

export function commandLines(setup: Setup, socket: string, devices: string[]): string {
  const lines = [
    '# the server: owns the shared memory (/dev/shm/ivshmem) and one eventfd per vector per client',
    `ivshmem-server -F -v -S ${socket} -M ivshmem -l ${setup.size} -n ${setup.vectors}`,
    '',
  ];
  devices.forEach((device, i) => {
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
