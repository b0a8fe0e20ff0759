// vm.ring takes one call into the core (guestRing) when nothing is wrong; whatever the register
// path refuses, it refuses too, with the same AccessError.
import { expect, test } from 'vitest';
import { Host, driver } from '../../src/index.ts';

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
