import { addVms, type Scenario } from './scenario.ts';
import poller from './three-ways.guest.ts?program';
import driver from '../guest/idle.guest.ts?program';
import { ECHO, FLAG, SEEN } from './three-ways.guest.ts';

export const threeWays: Scenario = {
  id: 'three-ways',
  title: 'Three ways, and who owns the memory',
  hint: 'One memory, three kinds of device: a plain VM that polls (no server), a doorbell pair on the ivshmem-server (MSI-X), a legacy INTx VM; each panel lists its BARs, capability, revision and IVPosition. Write a byte at 0x100 in the hex view: the plain VM copies it to 0x104.',
  explanation: [
    'The ivshmem-server created the shared memory, /dev/shm/ivshmem (its -M), and hands its file descriptor to every client. Anyone else may map the same file: the plain VM does, as QEMU\'s -object memory-backend-file,mem-path=/dev/shm/ivshmem,share=on, with no server at all, and so does this page (the hex view is the host\'s own mapping).',
    'ivshmem-plain: BAR0 (registers that do nothing useful: IVPosition 0, no doorbell) and BAR2, the memory; no capability, no interrupts, so it polls. ivshmem-doorbell: BAR0, BAR1 (the MSI-X table and PBA, the capability at 0x40) and BAR2; its ID comes from the server. The legacy ivshmem with msi=off (revision 0): BAR0 and BAR2, interrupt pin A, IntrStatus and IntrMask; it maps size=1M of the server\'s 4 MiB.',
    'That is the whole answer to "exactly three ways?": memory only; memory and pin-based interrupts; memory and MSI-X.',
  ],
  setup: { vectors: 1 },
  pace: { label: 'the plain VM looks every', choices: [[200, '200 ms'], [50, '50 ms'], [10, '10 ms'], [1, '1 ms']] },
  memoryAt: FLAG,
  figure: 'decoded',
  async start(wb) {
    await addVms(wb, 'ivshmem-plain,memdev=hmb', poller, [{ name: 'plain-poll.ts', arg: { everyMs: wb.pace.value } }]);
    // One after the other: the server gives IDs in the order clients connect (the page's client is 0).
    await addVms(wb, 'ivshmem-doorbell,chardev=srv,vectors=1', driver, [{ name: 'driver.ts' }, { name: 'driver.ts' }]);
    await addVms(wb, 'ivshmem,chardev=srv,msi=off,size=1M', driver, [{ name: 'driver.ts' }]);
  },
  decode(bytes) {
    const v = new DataView(bytes.buffer, bytes.byteOffset + FLAG, 12);
    const hex = (x: number) => `0x${x.toString(16)}`;
    return [{ offset: FLAG, title: 'the plain VM\'s flag', fields: [
      { name: 'flag (anyone writes)', value: hex(v.getUint32(0, true)) },
      { name: 'echo (the plain VM)', value: hex(v.getUint32(ECHO - FLAG, true)) },
      { name: 'changes seen', value: String(v.getUint32(SEEN - FLAG, true)) },
    ] }];
  },
};
