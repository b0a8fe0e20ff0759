// The public API refuses what it cannot do, with the project's own errors, and changes nothing:
// stale handles, wrong argument types, failed connects. (api-fuzz.test.ts does the same at random.)
import { describe, expect, test } from 'vitest';
import * as L from '../../assembly/layout.ts';
import { AccessError, Host, QemuError, driver, type Device } from '../../src/index.ts';
import { until } from '../cases/helpers.ts';
import { machineOf } from '../../src/host.ts';

const program = (name: string) => new URL(`../programs/${name}.ts`, import.meta.url).href;

function liveSlots(host: Host): number {
  let live = 0;
  for (let slot = 0; slot < L.EVENTFD_SLOTS; slot++) if (machineOf(host).eventfds.isLive(slot)) live++;
  return live;
}

/** Every member of a device that reads or changes its state. */
function members(device: Device, bar2: ReturnType<Device['bar']>): [string, () => unknown][] {
  return [
    ['ivPosition', () => device.ivPosition],
    ['sharedMemory', () => device.sharedMemory],
    ['peers()', () => device.peers()],
    ['config.read', () => device.config.read(0, 2)],
    ['config.write', () => device.config.write(4, 2, 0)],
    ['bar(0)', () => device.bar(0)],
    ['memoryBar', () => device.memoryBar],
    ['a BAR kept from before: read', () => bar2.read(0, 4)],
    ['a BAR kept from before: bytes', () => bar2.bytes],
    ['interrupts.take()', () => device.interrupts.take()],
    ['interrupts.delivered(0)', () => device.interrupts.delivered(0)],
    ['interrupts.pending(0)', () => device.interrupts.pending(0)],
    ['interrupts.masked(0)', () => device.interrupts.masked(0)],
    ['interrupts.intx', () => device.interrupts.intx],
    ['interrupts.lost', () => device.interrupts.lost],
    ['interrupts.dropped', () => device.interrupts.dropped],
    ['reset()', () => device.reset()],
    ['save()', () => device.save()],
    ['load()', () => device.load(new Uint8Array(64))],
  ];
}

describe('the API cannot be misused', () => {
  test('a Device kept after unplug throws on every member, and cannot touch the next device in its block', async () => {
    const host = await Host.create({ memory: '16M' });
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const ringer = host.realize('ivshmem-doorbell,chardev=srv');
    driver.enableDevice(ringer);
    const old = host.realize('ivshmem-doorbell,chardev=srv,id=old,master=off');
    driver.bringUpDoorbell(old);
    const oldBar = old.bar(2);
    host.unplug('old');
    expect(old.plugged).toBe(false);
    const next = host.realize('ivshmem-doorbell,chardev=srv');
    expect(next.internals.block, 'the next device got the same block').toBe(old.internals.block);
    driver.bringUpDoorbell(next);
    driver.ring(ringer, next.ivPosition, 0);
    expect(next.interrupts.delivered(0)).toBe(1);
    for (const [name, call] of members(old, oldBar)) {
      expect(call, name).toThrow(AccessError);
      expect(call, name).toThrow(/has been unplugged/);
    }
    expect(next.interrupts.take(), 'the interrupt is still the new device\'s').toBe(0);
    expect(old.model, 'its identity stays readable').toBe('ivshmem-doorbell');
  }, 30_000);

  test('a terminated VM: stop() does not stop the VM that got its block, counters throw, id stays', async () => {
    const host = await Host.create({ memory: '16M' });
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const local = host.realize('ivshmem-doorbell,chardev=srv');
    driver.bringUpDoorbell(local);
    const first = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('echo'), arg: { async: true } });
    const firstId = first.id;
    await first.terminate();
    const second = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('echo'), arg: { async: true, replyTo: local.ivPosition } });
    expect(second.device.internals.block, 'the second VM got the first one\'s block').toBe(first.device.internals.block);
    first.stop();
    expect(first.id).toBe(firstId);
    expect(first.hasEnded).toBe(true);
    expect(() => first.counters).toThrow(QemuError);
    await until(() => second.log.some((l) => l.includes('ready')), 'the second VM being ready', 60_000);
    // Still running: it answers a doorbell.
    driver.ring(local, second.id, 0);
    await until(() => local.interrupts.delivered(0) === 1, 'the second VM answering', 60_000);
    second.stop();
    expect(await second.result).toBe(1);
    await host.shutdown();
  }, 60_000);

  test('host.unplug(undefined), and a doorbell that does not fit, are refused and change nothing', async () => {
    const host = await Host.create({ memory: '16M' });
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const a = host.realize('ivshmem-doorbell,chardev=srv');
    const b = host.realize('ivshmem-doorbell,chardev=srv');
    driver.bringUpDoorbell(a);
    driver.bringUpDoorbell(b);
    for (const bad of [undefined, null, 0, {}, Symbol('x')]) expect(() => host.unplug(bad as never)).toThrow(QemuError);
    expect(host.devices).toEqual([a, b]);
    // 70000 would be peer 4464 (a truncation), 300 vector 44, 0x10000 + b's ID peer b itself.
    for (const [peer, vector] of [[70000, 0], [0x10000 + b.ivPosition, 0], [b.ivPosition, 300], [b.ivPosition, 256], [-1, 0], [b.ivPosition, 0.5], ['1', 0]]) {
      expect(() => driver.ring(a, peer as number, vector as number), `ring(${String(peer)}, ${vector})`).toThrow(AccessError);
    }
    expect(b.interrupts.delivered(0)).toBe(0);
    driver.ring(a, b.ivPosition, 0);
    expect(b.interrupts.delivered(0)).toBe(1);
  }, 30_000);

  test('wrong types get the project\'s errors, not a TypeError', async () => {
    const host = await Host.create({ memory: '16M' });
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const a = host.realize('ivshmem-doorbell,chardev=srv');
    driver.enableDevice(a);
    const client = host.connectClient('srv');
    const odd = [Symbol('s'), Object.create(null), {}, [], () => 1, 1n, null];
    for (const value of odd) {
      expect(() => client.command(value as never)).toThrow(QemuError);
      expect(() => host.addServer({ id: 'x', socket: '/x', shm: 'x', size: value as never })).toThrow(QemuError);
      expect(() => host.addServer({ id: 'x', socket: '/x', shm: 'x', vectors: value as never })).toThrow(QemuError);
      expect(() => host.addServer({ id: 'x', socket: '/x', shm: 'x', logLimit: value as never })).toThrow(QemuError);
      expect(() => host.addServer({ id: 'x', socket: value as never, shm: 'x' })).toThrow(QemuError);
      expect(() => host.deleteObject(value as never)).toThrow(QemuError);
      expect(() => host.connectClient(value as never)).toThrow(QemuError);
      expect(() => a.bar(value as never)).toThrow(AccessError);
      expect(() => a.config.read(value as never, 4)).toThrow(AccessError);
      if (typeof value !== 'bigint') expect(() => a.config.write(4, 2, value as never)).toThrow(AccessError);
      expect(() => a.interrupts.delivered(value as never)).toThrow(AccessError);
      await expect(Host.create({ memory: value as never })).rejects.toThrow(QemuError);
      await expect(host.spawn(value as never)).rejects.toThrow(QemuError);
      await expect(host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: value as never })).rejects.toThrow(QemuError);
    }
    expect(() => a.bar('0' as never)).toThrow(AccessError);
    expect(() => host.addServer({ id: 'x', socket: '/x', shm: 'x', logLimit: '5' as never })).toThrow(/invalid logLimit/);
    expect(machineOf(host).servers.size).toBe(1);
    expect(client.output).toEqual([]);
  }, 30_000);

  test('chardevs of one\'s own: two without a socket path, one whose connect throws', async () => {
    const host = await Host.create({ memory: '16M' });
    const broken = { id: 'broken', isRunning: true, nextId: () => 0, connect: () => { throw new Error('no such server'); } };
    host.addChardev(broken as never);
    host.addChardev({ ...broken, id: 'other' } as never);
    expect(() => host.realize('ivshmem-doorbell,chardev=broken')).toThrow(QemuError);
    expect(() => host.realize('ivshmem-doorbell,chardev=broken')).toThrow("Failed to connect to 'broken': no such server");
    expect(host.devices).toEqual([]);
    expect(() => host.addChardev({ id: 'third' } as never)).toThrow(QemuError);
  }, 30_000);

  test('a client whose connect fails leaves no phantom peer, no eventfd, no used-up ID, no unmatched log entry', async () => {
    const host = await Host.create({ memory: '16M' });
    const server = host.addServer({ id: 'srv', size: '1M', vectors: 64, logLimit: 1_000_000 });
    const a = host.realize('ivshmem-doorbell,chardev=srv,vectors=64');
    const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv,vectors=64', program: program('echo'), arg: { async: true } });
    await until(() => vm.log.some((l) => l.includes('ready')), 'the VM being ready', 60_000);
    const before = { peers: server.peerIds, next: server.nextId(), aPeers: a.peers(), slots: liveSlots(host) };
    // 70 clients of a 64-vector server: leaking 2 slots each would exhaust the 4096.
    for (let i = 0; i < 70; i++) {
      let received = 0;
      const sink = { receive() { if (++received === 4 + (i % 100)) throw new Error('the client crashed'); }, hangup() {} };
      expect(() => server.connect(sink)).toThrow(QemuError);
    }
    expect(server.peerIds).toEqual(before.peers);
    expect(server.nextId()).toBe(before.next);
    expect(a.peers()).toEqual(before.aPeers);
    let vmPeers = (await vm.inspect()).peers;
    for (const deadline = performance.now() + 60_000; vmPeers.length !== before.peers.length && performance.now() < deadline;) {
      vmPeers = (await vm.inspect()).peers;
    }
    expect(vmPeers.map((p) => p.id), 'the VM heard every failed client leave').toEqual(before.peers);
    await until(() => liveSlots(host) === before.slots, 'every eventfd of the failed clients closing', 60_000);
    const connects = server.log.filter((e) => e.event === 'connect').length;
    const disconnects = server.log.filter((e) => e.event === 'disconnect').length;
    expect(connects - disconnects, 'every connect has its disconnect, but for the live clients').toBe(before.peers.length);
    expect(host.realize('ivshmem-doorbell,chardev=srv,vectors=64').ivPosition).toBe(before.next);
    await host.shutdown();
  }, 60_000);
});
