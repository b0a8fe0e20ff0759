// The rings in the protocol trace: a message ring's publish and release, and a virtqueue's
// driver and device publishes, are ring-push / ring-pop events carrying the ring's address,
// whether the other side was rung, and how much moved.
import { expect, test } from 'vitest';
import { Host, MessageConsumer, MessageProducer, VirtqueueDevice, VirtqueueDriver, formatMessageRing } from '../../src/index.ts';
import { machineOf } from '../../src/host.ts';

test('ring-push and ring-pop events, only while tracing', async () => {
  const host = await Host.create({ memory: '16M' });
  const context = { core: machineOf(host).core, buffer: machineOf(host).memory.buffer };
  const region = machineOf(host).allocate(0x10000, 'ring');
  const states = machineOf(host).allocate(0x4000, 'states').offset;
  formatMessageRing(context, region, 4096);
  const tx = new MessageProducer(context, { region, state: states });
  const rx = new MessageConsumer(context, { region, state: states + 64 });
  tx.push(new Uint8Array(10));
  rx.pop();
  host.trace.start();
  tx.push(new Uint8Array(10));
  rx.pop();
  const events = host.trace.drain().filter((e) => e.kind === 'ring-push' || e.kind === 'ring-pop');
  // a 10-byte message is a 24-byte record: 8 bytes of header, 10 of payload, 6 of padding (docs/rings.md)
  expect(events.map((e) => [e.kind, e.vector, e.value])).toEqual([['ring-push', region.offset, 24], ['ring-pop', region.offset, 24]]);
  const queue = { region: { offset: region.offset + 0x8000, size: 0x8000 }, size: 4 };
  const driver = new VirtqueueDriver({ ...context, ...queue, state: states + 0x1000 });
  const device = new VirtqueueDevice({ ...context, ...queue, state: states + 0x2000 });
  driver.add([{ addr: 0x1000, len: 4 }]);
  expect(driver.publish()).toBe(true);
  device.push(device.pop()!.head, 0);
  device.publish();
  const vq = host.trace.drain().filter((e) => e.kind === 'ring-push' || e.kind === 'ring-pop');
  // vector: the address of avail idx (avail at 64 for N = 4) and of used idx (used at 80)
  expect(vq.map((e) => [e.kind, e.peer, e.vector, e.value])).toEqual([['ring-push', 1, queue.region.offset + 64 + 2, 1], ['ring-pop', 1, queue.region.offset + 80 + 2, 1]]);
  host.trace.stop();
  tx.push(new Uint8Array(10));
  expect(host.trace.drain().filter((e) => e.kind === 'ring-push')).toEqual([]);
  await host.shutdown();
});
