// "Copy as QEMU command line": the workbench's setup as the ivshmem-server and QEMU commands that
// build it on a real host, one QEMU process per VM (each with its own -chardev to the server).
// ivshmem-v2 and its ivshmem2-server come from Jan Kiszka's QEMU RFC, which was never merged: the
// lines say so, and use the RFC's name for the device (ivshmem).
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

export function commandLines(setup: Setup, socket: string, devices: string[]): string {
  const v1 = devices.length === 0 || devices.some((device) => !isV2(device));
  const lines = [
    ...(v1 ? [
      '# the server: owns the shared memory (/dev/shm/ivshmem) and one eventfd per vector per client',
      `ivshmem-server -F -v -S ${socket} -M ivshmem -l ${setup.size} -n ${setup.vectors}`,
      '',
    ] : []),
    ...server2Lines(setup),
  ];
  devices.forEach((device, i) => {
    const args = [`qemu-system-x86_64 -machine pc -accel ${setup.accel} -m 1G`, `  -drive file=guest${i}.qcow2,if=virtio`];
    if (isV2(device) && setup.server2) {
      const chardev = /(^|,)chardev=([^,]+)/.exec(device)?.[2];
      args.push(`  -chardev socket,path=${setup.server2.socket ?? '/tmp/ivshmem_socket'},id=${chardev}`);
      args.push(`  -device ${device.replace(/^ivshmem-v2/, 'ivshmem')}    # the RFC's QEMU names ivshmem-v2 'ivshmem'`);
    } else if (device.startsWith('-ivshmem')) {
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
