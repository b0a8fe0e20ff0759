// "Copy as QEMU command line": the workbench's setup as the ivshmem-server and QEMU commands that
// build it on a real host, one QEMU process per VM (each with its own -chardev to the server),
// each named as the page names that VM (by its ID, not by its place in the list).
import type { Setup } from './workbench.ts';

export function commandLines(setup: Setup, socket: string, vms: { name: string; device: string }[]): string {
  const lines = setup.server === false ? [] : [
    '# the server: owns the shared memory (/dev/shm/ivshmem) and one eventfd per vector per client',
    `ivshmem-server -F -v -S ${socket} -M ivshmem -l ${setup.size} -n ${setup.vectors}`,
    '',
  ];
  for (const { name, device } of vms) {
    const disk = `guest-${name.toLowerCase().replace(/[^a-z0-9]+/g, '')}.qcow2`;
    const args = [`qemu-system-x86_64 -machine pc -accel ${setup.accel} -m 1G`, `  -drive file=${disk},if=virtio`];
    if (device.startsWith('-ivshmem')) {
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
