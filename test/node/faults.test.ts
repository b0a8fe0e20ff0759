// Faults: VM workers killed at random points while the others run, a device unplugged while peers
// ring it and the server is telling it about newcomers, a server stopped and restarted under load.
// Afterwards the survivors still work, the server's peer table and the eventfd slots agree with
// them, memory nobody owned is intact, and the host holds what it held before.
import { describe, expect, test } from 'vitest';
import { Host, driver, layout as L, type Device, type Server, type Vm } from '../../src/index.ts';
import { sameHolding, until } from '../cases/helpers.ts';
import { seedFor } from './seed.ts';
import { machineOf } from '../../src/host.ts';

const program = new URL('../programs/busy.ts', import.meta.url).href;
const CANARY = 0x8000; // a stretch of the server's memory no guest writes
const CANARY_BYTES = 0x4000;

function rng(seed: number) {
  let x = seed | 0 || 1;
  return (n: number) => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function slotWord(host: Host, slot: number, field: number): number {
  return new DataView(machineOf(host).memory.buffer).getInt32(L.EVENTFD_BASE + slot * L.EVENTFD_STRIDE + field, true);
}

/** Each device's own eventfds are live and bound to it; every device knows exactly the server's peers. */
async function consistent(host: Host, server: Server, devices: Device[]): Promise<void> {
  const ids = devices.map((d) => d.ivPosition).sort((a, b) => a - b);
  expect([...server.peerIds].sort((a, b) => a - b)).toEqual(ids);
  for (const d of devices) {
    for (const slot of server.eventfdsOf(d.ivPosition)!) {
      expect(slot_refs(host, slot), `peer ${d.ivPosition}'s eventfd ${slot} is live`).toBeGreaterThan(0);
      expect(slotWord(host, slot, L.EVENTFD_BOUND_DEVICE), `peer ${d.ivPosition}'s eventfd ${slot} rings its own device`).toBe(d.internals.block);
    }
  }
  // VMs take the server's messages as they touch their registers, which the busy loop does
  await until(() => devices.every((d) => JSON.stringify(d.peers().map((p) => p.id)) === JSON.stringify(ids)), 'every device knowing exactly the live peers', 30_000);
}

function slot_refs(host: Host, slot: number): number {
  return slotWord(host, slot, L.EVENTFD_REFS);
}

/** Eventfds, bindings, devices and VMs as before; every block either free or kept as a spare. */
async function survivorsProgress(vms: Vm[]): Promise<void> {
  const start = vms.map((vm) => vm.counters.delivered.reduce((a, b) => a + b, 0));
  await until(() => vms.every((vm, i) => vm.counters.delivered.reduce((a, b) => a + b, 0) > start[i]), 'every survivor receiving interrupts', 30_000);
}

describe('faults', () => {
  test('VM workers killed at random points while others run: survivors work, tables agree, nothing leaks', async () => {
    const seed = seedFor('faults: killed VMs');
    const rand = rng(seed);
    const host = await Host.create({ memory: '32M' });
    const server = host.addServer({ id: 'srv', size: '64K', vectors: 2 });
    const before = host.resources();
    const canary = (byte: number) => byte * 7 + 3;
    const memory = new Uint8Array(machineOf(host).memory.buffer, server.file.region.offset, 65536);
    for (let i = 0; i < CANARY_BYTES; i++) memory[CANARY + i] = canary(i) & 0xff;
    const spawn = () => host.spawn({ device: 'ivshmem-doorbell,chardev=srv,vectors=2', program, arg: { seed } });
    const vms: Vm[] = [];
    for (let i = 0; i < 5; i++) vms.push(await spawn());
    let killed = 0;
    for (let round = 0; round < 12; round++) {
      await sleep(rand(20)); // a random point in the victims' loops
      const victim = vms.splice(rand(vms.length), 1)[0];
      if (rand(2)) {
        // a newcomer's handshake under way while a peer dies: the server tells it both ways
        const joining = spawn();
        await victim.terminate();
        vms.push(await joining);
      } else {
        await victim.terminate();
        vms.push(await spawn());
      }
      killed++;
    }
    expect(killed).toBe(12);
    await consistent(host, server, vms.map((vm) => vm.device));
    await survivorsProgress(vms);
    for (let i = 0; i < CANARY_BYTES; i++) if (memory[CANARY + i] !== (canary(i) & 0xff)) throw new Error(`shared memory byte ${CANARY + i} changed`);
    for (const vm of vms) vm.stop();
    const results = await Promise.all(vms.map((vm) => vm.result)) as { rings: number }[];
    expect(results.every((r) => r.rings > 0)).toBe(true);
    await Promise.all(vms.map((vm) => vm.terminate()));
    expect(server.peerIds).toEqual([]);
    sameHolding(host, before);
  }, 120_000);

  test('a VM killed mid-ring-transfer: the other pair on the server streams on intact, its partner gives up cleanly, nothing leaks', async () => {
    const seed = seedFor('faults: killed mid-ring-transfer');
    const rand = rng(seed);
    const host = await Host.create({ memory: '32M' });
    const server = host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const before = host.resources();
    const memory = new Uint8Array(machineOf(host).memory.buffer, server.file.region.offset, 1 << 20);
    const canary = (i: number) => (i * 13 + 5) & 0xff;
    for (let i = 0; i < CANARY_BYTES; i++) memory[CANARY + i] = canary(i);
    const stream = new URL('../programs/ring-stream.ts', import.meta.url).href;
    const [a1, a2, b1, b2] = await Promise.all([0, 1, 2, 3].map(() => host.spawn({ device: 'ivshmem-doorbell,chardev=srv' })));
    // Pair A streams far more than it will finish; pair B a whole stream, in rings away from the
    // ready flags (BAR2 + 4 x ID) and from the canary.
    const pair = (producer: Vm, consumer: Vm, at: number, count: number, stallMs: number) => [
      producer.run(stream, { role: 'producer', count, capacity: 4096, at, peer: consumer.id, stallMs }),
      consumer.run(stream, { role: 'consumer', count, capacity: 4096, at, peer: producer.id, stallMs }),
    ];
    const [aProducer, aConsumer] = pair(a1, a2, 0x10000, 1_000_000, 3_000);
    const [bProducer, bConsumer] = pair(b1, b2, 0x20000, 5_000, 60_000);
    const aSides = [aProducer, aConsumer];
    for (const p of aSides) p.catch(() => {});
    // mid-transfer: once pair A has moved messages, after a random few milliseconds more
    await until(() => a2.counters.delivered[0] + a1.counters.delivered[0] > 0, 'pair A streaming', 30_000);
    await sleep(rand(30));
    const victim = rand(2) === 0 ? a1 : a2;
    const survivor = victim === a1 ? a2 : a1;
    await victim.terminate();
    type Stream = { moved: number; corrupt: number; broken: number; stalled: boolean };
    const [bp, bc] = await Promise.all([bProducer, bConsumer]) as Stream[];
    expect([bp.moved, bc.moved, bc.corrupt, bp.broken, bc.broken], 'pair B on the same server').toEqual([5_000, 5_000, 0, 0, 0]);
    // the partner of the killed VM waits for a doorbell that never comes and gives up: no throw
    const left = await (victim === a1 ? aConsumer : aProducer) as Stream;
    expect([left.stalled, left.corrupt, left.broken], 'the killed VM\'s partner').toEqual([true, 0, 0]);
    await expect(victim === a1 ? aProducer : aConsumer).rejects.toThrow('the VM was terminated');
    for (let i = 0; i < CANARY_BYTES; i++) if (memory[CANARY + i] !== canary(i)) throw new Error(`shared memory byte ${CANARY + i} changed`);
    // The programs have returned, so the VMs no longer take the server's messages: the server's side.
    expect([...server.peerIds].sort((x, y) => x - y)).toEqual([survivor.id, b1.id, b2.id].sort((x, y) => x - y));
    await Promise.all([survivor, b1, b2].map((vm) => vm.terminate()));
    expect(server.peerIds).toEqual([]);
    sameHolding(host, before);
  }, 180_000);

  test('a device unplugged while peers ring it and newcomers join: no interrupt reaches the wrong device', async () => {
    const seed = seedFor('faults: unplug under fire');
    const rand = rng(seed);
    const host = await Host.create({ memory: '32M' });
    const server = host.addServer({ id: 'srv', size: '64K', vectors: 2 });
    const quiet = host.addServer({ id: 'quiet', socket: '/tmp/quiet', size: '64K', vectors: 2 });
    const before = host.resources();
    let target = host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
    driver.bringUpDoorbell(target);
    // the storm rings the target's ID at random, besides everyone in its peer table
    const vms: Vm[] = [];
    for (let i = 0; i < 3; i++) vms.push(await host.spawn({ device: 'ivshmem-doorbell,chardev=srv,vectors=2', program, arg: { seed, alsoRing: target.ivPosition } }));
    await until(() => target.interrupts.delivered(0) + target.interrupts.delivered(1) > 0, 'the target being rung', 30_000);
    const bystanders: Device[] = [];
    for (let round = 0; round < 30; round++) {
      const joining = rand(3) === 0 ? host.spawn({ device: 'ivshmem-doorbell,chardev=srv,vectors=2', program, arg: { seed } }) : undefined;
      target.unrealize();
      // a device on a server nobody else uses: any interrupt it ever sees came from the storm
      const bystander = host.realize('ivshmem-doorbell,chardev=quiet,vectors=2');
      driver.bringUpDoorbell(bystander);
      bystanders.push(bystander);
      target = host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
      driver.bringUpDoorbell(target);
      if (joining) vms.push(await joining);
      await sleep(rand(5));
      for (const b of bystanders) {
        expect([b.interrupts.delivered(0), b.interrupts.delivered(1), b.interrupts.dropped, b.interrupts.lost], 'the bystander on the quiet server').toEqual([0, 0, 0, 0]);
        expect([b.interrupts.pending(0), b.interrupts.pending(1)]).toEqual([false, false]);
      }
      if (bystanders.length > 2) bystanders.shift()!.unrealize();
    }
    for (const b of bystanders) expect(b.interrupts.take()).toBe(-1);
    await consistent(host, server, [target, ...vms.map((vm) => vm.device)]);
    for (const vm of vms) vm.stop();
    const results = await Promise.all(vms.map((vm) => vm.result)) as { rings: number }[];
    expect(results.every((r) => r.rings > 0)).toBe(true);
    await Promise.all(vms.map((vm) => vm.terminate()));
    for (const b of bystanders) b.unrealize();
    target.unrealize();
    expect([server.peerIds, quiet.peerIds]).toEqual([[], []]);
    sameHolding(host, before);
  }, 120_000);

  test('a server stopped and restarted under load: clients keep working, new ones join the new server, nothing leaks', async () => {
    const seed = seedFor('faults: server restart');
    const host = await Host.create({ memory: '32M' });
    const before = host.resources();
    const old = host.addServer({ id: 'srv', socket: '/tmp/ivshmem_socket', size: '64K', vectors: 2 });
    const first: Vm[] = [];
    for (let i = 0; i < 3; i++) first.push(await host.spawn({ device: 'ivshmem-doorbell,chardev=srv,vectors=2', program, arg: { seed } }));
    await survivorsProgress(first);
    old.stop();
    // contrib/ivshmem-server gone: its clients keep their eventfds and peers (QEMU keeps working),
    // nobody new can join it
    await expect(host.spawn({ device: 'ivshmem-doorbell,chardev=srv,vectors=2', program, arg: { seed } })).rejects.toThrow(/Connection refused/);
    await survivorsProgress(first);
    // a new server on the same socket; new VMs join it
    const restarted = host.addServer({ id: 'srv2', socket: '/tmp/ivshmem_socket', shm: 'ivshmem2', size: '64K', vectors: 2 });
    const second: Vm[] = [];
    for (let i = 0; i < 3; i++) second.push(await host.spawn({ device: 'ivshmem-doorbell,chardev=srv2,vectors=2', program, arg: { seed } }));
    await consistent(host, restarted, second.map((vm) => vm.device));
    await survivorsProgress([...first, ...second]);
    for (const vm of [...first, ...second]) vm.stop();
    await Promise.all([...first, ...second].map((vm) => vm.result));
    await Promise.all([...first, ...second].map((vm) => vm.terminate()));
    restarted.stop();
    const now = host.resources();
    // the two servers' memories stay allocated (their /dev/shm files); everything else is back
    expect([now.devices, now.vms, now.eventfds, now.boundEventfds]).toEqual([before.devices, before.vms, before.eventfds, before.boundEventfds]);
  }, 120_000);
});
