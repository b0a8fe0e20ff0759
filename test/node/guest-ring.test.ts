// vm.ring is the register path (the Doorbell written through bar(0), after driver.ring's checks):
// whatever that path refuses, it refuses too, with the same AccessError. A guest's rings keep their
// private state in its device block: how big a virtqueue fits there.
import { expect, test } from 'vitest';
import { Host, driver } from '../../src/index.ts';
import { splitLayout } from '../../src/ring/virtqueue.ts';

const program = (source: string) => `data:text/javascript,${encodeURIComponent(source)}`;

const tryRing = program(`export default (vm, { peer, vector, disable }) => {
  vm.bringUp();
  if (disable) vm.device.config.write(4, 2, 0);
  try { vm.ring(peer, vector); return 'rang'; } catch (e) { return e.name + ': ' + e.message; }
}`);

test('vm.ring refuses what the Doorbell register path refuses, and rings otherwise', async () => {
  const host = await Host.create({ memory: '16M' });
  host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const target = host.realize('ivshmem-doorbell,chardev=srv');
  driver.bringUpDoorbell(target);
  const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv' });
  expect(await vm.run(tryRing, { peer: target.ivPosition, vector: 256 })).toMatch(/^AccessError: .*vector/);
  expect(await vm.run(tryRing, { peer: 0x10000, vector: 0 })).toMatch(/^AccessError: .*peer/);
  expect(await vm.run(tryRing, { peer: target.ivPosition, vector: 0, disable: true })).toMatch(/^AccessError: .*Memory Space/);
  expect(target.interrupts.delivered(0)).toBe(0);
  expect(await vm.run(tryRing, { peer: target.ivPosition, vector: 0 })).toBe('rang');
  expect(target.interrupts.delivered(0)).toBe(1);
  await host.shutdown();
}, 60_000);

test('a guest virtqueue of up to N = 256 fits its state in the device block; a bigger one is refused saying why, and a refused one takes no room', async () => {
  const host = await Host.create({ memory: '16M' });
  host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv' });
  const outside = splitLayout(128, 1 << 20); // past the end of the 1 MiB shared memory
  const [big, odd, misplaced, fits, again] = await vm.run(new URL('../programs/guest-virtqueues.ts', import.meta.url).href, [
    { size: 512 }, { size: 3 }, { size: 128, layout: outside }, { size: 256 }, { size: 256 },
  ]) as (number | string)[];
  expect(big).toMatch(/^QemuError: a virtqueue of size 512 needs 12416 bytes of private state, .* at most N = 256 in a guest/);
  expect(odd).toMatch(/^QemuError: .*queue size 3 is not a power of two/);
  expect(misplaced).toMatch(/^QemuError: .*do not fit the 1048576-byte region/);
  expect(fits).toBe(256);
  expect(again, 'the first one holds its state: no room for a second').toMatch(/^QemuError: a virtqueue of size 256 needs 6272 bytes/);
  await host.shutdown();
}, 60_000);
