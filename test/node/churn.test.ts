// Churn: devices and VM workers join and leave a server over and over; afterwards the host holds
// exactly what it held before (eventfd slots, bound slots, device blocks, memory, VMs) and the
// server's 16-bit ID counter has wrapped as contrib/ivshmem-server's does.
import { describe, expect, test } from 'vitest';
import { Host, driver } from '../../src/index.ts';

const program = (name: string) => new URL(`../programs/${name}.ts`, import.meta.url).href;
/** CHURN_CYCLES / CHURN_VMS scale the runs up (the long form: README "Guarantees") */
const HOST_CYCLES = Number(process.env.CHURN_CYCLES ?? 10_000);
const VM_CYCLES = Number(process.env.CHURN_VMS ?? 40);
// The server's ID counter is contrib/ivshmem-server's uint16; the short form shrinks its space
// (the server's idSpace option) so that 10,000 cycles wrap it twice; 70,000 cycles wrap the real one.
const ID_SPACE = HOST_CYCLES >= 65536 ? 65536 : 4096;

describe('churn', () => {
  test(`${HOST_CYCLES} host-device join/leave cycles leak nothing and wrap the server's ID counter (${ID_SPACE} IDs)`, async () => {
    const host = await Host.create({ memory: '16M' });
    const server = host.addServer({ id: 'srv', size: '64K', vectors: 2, idSpace: ID_SPACE });
    const anchor = host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
    driver.bringUpDoorbell(anchor);
    const cycle = () => {
      const d = host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
      driver.bringUpDoorbell(d);
      driver.ring(d, anchor.ivPosition, 1);
      driver.ring(anchor, d.ivPosition, 0);
      const id = d.ivPosition;
      expect(d.interrupts.take()).toBe(0);
      d.unrealize();
      return id;
    };
    cycle(); // the first unplug leaves one spare device block, kept for the next device
    const before = host.resources();
    const anchorTaken = anchor.interrupts.delivered(1);
    let previous = 1;
    let wraps = 0;
    for (let i = 0; i < HOST_CYCLES; i++) {
      const id = cycle();
      if (id < previous) {
        wraps++;
        // after the last ID the counter wraps to 0, taken by the anchor: the next free ID is 1
        expect([previous, id]).toEqual([ID_SPACE - 1, 1]);
      } else {
        expect(id).toBe(previous + 1);
      }
      previous = id;
    }
    // IDs 1 (the warm-up) .. ID_SPACE - 1, then 1 again: one wrap every ID_SPACE - 1 cycles
    expect(wraps).toBe(Math.floor(HOST_CYCLES / (ID_SPACE - 1)));
    expect(host.resources()).toEqual(before);
    expect(server.peerIds).toEqual([anchor.ivPosition]);
    expect(anchor.peers()).toEqual([{ id: 0, vectors: 2 }]);
    expect(anchor.interrupts.delivered(1)).toBe(anchorTaken + HOST_CYCLES);
    anchor.unrealize();
    server.stop();
    const empty = host.resources();
    expect([empty.devices, empty.eventfds, empty.boundEventfds]).toEqual([0, 0, 0]);
  }, 300_000);

  test(`${VM_CYCLES} VM worker join/leave cycles leak nothing`, async () => {
    const host = await Host.create({ memory: '32M' });
    const server = host.addServer({ id: 'srv', size: '64K', vectors: 1 });
    const anchor = host.realize('ivshmem-doorbell,chardev=srv');
    driver.bringUpDoorbell(anchor);
    const cycle = async (i: number) => {
      const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('newcomer'), arg: {} });
      // every other VM is terminated while its program may still run; the rest end first
      if (i % 2 === 0) await vm.result.catch(() => {});
      await vm.terminate();
    };
    await cycle(0);
    const before = host.resources();
    for (let i = 1; i <= VM_CYCLES; i++) await cycle(i);
    expect(host.resources()).toEqual(before);
    expect(server.peerIds).toEqual([anchor.ivPosition]);
    expect(anchor.peers()).toEqual([{ id: 0, vectors: 1 }]);
    expect(host.vms).toEqual([]);
    await host.shutdown();
  }, 300_000);
});
