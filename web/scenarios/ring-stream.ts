import { addVms, type Scenario } from './scenario.ts';
import program from './ring-stream.guest.ts?program';

const AT = 0x1000;
const CAPACITY = 4096;

export const ringStream: Scenario = {
  id: 'ring-stream',
  title: 'Ring producer/consumer',
  hint: 'A producer VM pushes bursts of messages through a ring in the shared memory; the hex view opens on it at 0x1000: watch head (+0x40) and tail (+0x80) move, and how few doorbells a burst costs.',
  explanation: [
    'The ring sits at 0x1000 of the shared memory: a header (magic "RING", capacity, head on its own cache line, tail on another) and a 4 KiB data area of length-prefixed messages. The producer writes messages and publishes head once per batch; the consumer reads them and publishes tail.',
    'Doorbells only when someone sleeps: before the consumer parks in vm.wait it writes its tail into data_event and looks once more; the producer rings it only when head passes that mark. A burst of a hundred messages costs one doorbell; a consumer that keeps up costs none. The same holds the other way when the ring is full.',
    'The peer is not trusted: change a byte of head or tail in the hex view and the side that reads it reports the ring broken instead of reading out of bounds.',
  ],
  setup: { vectors: 1 },
  pace: { label: 'rest between bursts of 100 messages', choices: [[2000, '2 s'], [1000, '1 s'], [200, '200 ms'], [100, '100 ms']] },
  memoryAt: AT,
  figure: 'decoded',
  async start(wb) {
    const restMs = wb.pace.value;
    const arg = { at: AT, capacity: CAPACITY, burst: 100, restMs };
    await wb.untilWaiting(await addVms(wb, 'ivshmem-doorbell,chardev=srv,vectors=1', program, [
      { name: 'producer.ts', arg: { ...arg, role: 'producer' } },
      { name: 'consumer.ts', arg: { ...arg, role: 'consumer' } },
    ]));
  },
  decode(bytes) {
    const v = new DataView(bytes.buffer, bytes.byteOffset + AT, 192);
    if (v.getUint32(0, true) !== 0x474e4952) return [];
    const hex = (x: number) => `0x${x.toString(16)}`;
    return [{
      offset: AT,
      title: 'message ring',
      fields: [
        { name: 'capacity', value: String(v.getUint32(8, true)) },
        { name: 'head (+64)', value: hex(v.getUint32(64, true)) },
        { name: 'space_event (+68)', value: hex(v.getUint32(68, true)) },
        { name: 'tail (+128)', value: hex(v.getUint32(128, true)) },
        { name: 'data_event (+132)', value: hex(v.getUint32(132, true)) },
        { name: 'in flight', value: `${(v.getUint32(64, true) - v.getUint32(128, true)) >>> 0} bytes` },
      ],
    }];
  },
};
