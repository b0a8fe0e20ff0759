import { addVms, type Scenario } from './scenario.ts';
import program from './virtqueue.guest.ts?program';
import { splitLayout } from '../../src/index.ts';

const AT = 0x1000;
const SIZE = 16;

export const virtqueue: Scenario = {
  id: 'virtqueue',
  title: 'virtio on top: a split virtqueue in BAR2',
  hint: 'VM 1 (the front-end) offers requests in a virtio split virtqueue at 0x1000 of the shared memory and kicks VM 2 (the back-end), which answers each and interrupts back: watch avail idx and used idx below the hex view.',
  explanation: [
    'A virtio split ring is only memory (a descriptor table, an available ring, a used ring) plus a notification each way. ivshmem gives both: BAR2 holds the rings, a doorbell is the kick, a doorbell back is the interrupt. That is what Jailhouse\'s ivshmem-v2 (and QEMU\'s 2020 RFC) build virtio front-ends and back-ends on.',
    'The layout is virtio 1.x byte for byte: 16-byte descriptors {addr, len, flags, next}, the available ring {flags, idx, ring[N], used_event}, the used ring {flags, idx, {id, len}[N], avail_event}; with EVENT_IDX each side rings only when the other asked. Addresses are BAR2 offsets: both VMs map the same memory, so they agree on them.',
    'It suits one-to-one links: with many peers each pair needs its own rings, and nothing in ivshmem stops a third VM from writing into them.',
  ],
  setup: { vectors: 1 },
  pace: { label: 'the front-end offers a request every', choices: [[1000, '1 s'], [250, '250 ms'], [50, '50 ms'], [5, '5 ms']] },
  memoryAt: AT,
  figure: 'decoded',
  async start(wb) {
    const arg = { at: AT, size: SIZE, everyMs: wb.pace.value };
    await wb.untilWaiting(await addVms(wb, 'ivshmem-doorbell,chardev=srv,vectors=1', program, [
      { name: 'front-end.ts', arg: { ...arg, role: 'driver' } },
      { name: 'back-end.ts', arg: { ...arg, role: 'device' } },
    ]));
  },
  decode(bytes) {
    const layout = splitLayout(SIZE, AT);
    const v = new DataView(bytes.buffer, bytes.byteOffset);
    const u16 = (at: number) => String(v.getUint16(at, true));
    return [{
      offset: AT,
      title: `split virtqueue, size ${SIZE}`,
      fields: [
        { name: `avail idx (+0x${(layout.avail - AT + 2).toString(16)})`, value: u16(layout.avail + 2) },
        { name: `used idx (+0x${(layout.used - AT + 2).toString(16)})`, value: u16(layout.used + 2) },
        { name: 'used_event', value: u16(layout.avail + 4 + 2 * SIZE) },
        { name: 'avail_event', value: u16(layout.used + 4 + 8 * SIZE) },
        { name: 'answers the front-end took', value: String(v.getUint32(AT - 16, true)) },
      ],
    }];
  },
};
