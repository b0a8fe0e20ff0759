// The workbench's runner (web/guest/runner.ts) in a Node VM: when it carries out what the page
// asks. A command the page leaves while the program works is carried out at the program's next
// wait or ring, and never between the program's look at its device and the ring that follows it:
// a reset there would take the BAR away under the ring (the Jailhouse cells' Reset, seen once in
// CI, left a cell's program dead on "BAR0 is not decoded").
import { expect, test } from 'vitest';
import { Host, driver } from '../../src/index.ts';
import { WORD_STOP, newControl } from '../../web/guest/control.ts';

const runner = new URL('../../web/guest/runner.ts', import.meta.url).href;
const program = new URL('../programs/command-before-ring.ts', import.meta.url).href;

test('a page command left before a ring is carried out after the ring: the ring goes out, then the reset', async () => {
  const host = await Host.create({ memory: '32M' });
  host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const peer = host.realize('ivshmem-doorbell,chardev=srv');
  driver.bringUpDoorbell(peer);
  const control = newControl();
  new Int32Array(control)[WORD_STOP] = 1;
  const vm = await host.spawn({
    device: 'ivshmem-doorbell,chardev=srv', program: runner,
    arg: { control, program, arg: { control, peer: peer.ivPosition } },
  });
  // (asked to stop from the start: the runner then returns as soon as its program does)
  expect(await vm.result).toEqual({ decodedBefore: true, decodedAfter: false, acknowledged: true, result: 0 });
  expect(peer.interrupts.delivered(0), 'the ring reached the peer').toBe(1);
  await vm.terminate();
}, 90_000);
