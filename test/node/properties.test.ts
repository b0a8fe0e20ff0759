// Properties over random input (fast-check): whatever a guest or a server does, the device keeps
// its invariants and nothing outside its own state changes.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Host, QemuError, AccessError, driver, type Device, type MessageSink, type ServerMessage } from '../../src/index.ts';
import { RegionAllocator } from '../../src/memory/region-allocator.ts';
import { parseSize } from '../../src/options/size.ts';
import {
  DEV_WMASK, DEV_W1CMASK, EVENTFD_BASE, EVENTFD_BOUND_DEVICE, EVENTFD_SLOTS, EVENTFD_STRIDE,
} from '../../assembly/layout.ts';
import { machineOf } from '../../src/host.ts';

const host = await Host.create({ memory: '64M' });

interface Access { dev: number; bar: number; offset: number; width: number; value: number | bigint; write: boolean }

/** Each access made as a guest would make it: it works, or it is refused with an AccessError. */
function perform(devices: Device[], accesses: Access[]): void {
  for (const a of accesses) {
    const bar = devices[a.dev].bar(a.bar);
    try {
      if (a.write) bar.write(a.offset, a.width, a.value);
      else bar.read(a.offset, a.width);
    } catch (error) {
      expect(error).toBeInstanceOf(AccessError);
    }
  }
}
host.addServer({ id: 'srv', size: '1M', vectors: 4 });

describe('PCI config space', () => {
  // Property runs: seconds when idle, a minute or more at a load of 20 on two cores.
  test('random writes never change a read-only bit; write-1-to-clear bits only clear', () => {
    const dev = host.realize('ivshmem-doorbell,chardev=srv,vectors=4');
    const initial = Array.from({ length: 256 }, (_, i) => dev.config.read(i, 1));
    const wmask = Array.from({ length: 256 }, (_, i) => machineOf(host).bytes[dev.internals.block + DEV_WMASK + i]);
    const w1c = Array.from({ length: 256 }, (_, i) => machineOf(host).bytes[dev.internals.block + DEV_W1CMASK + i]);
    const write = fc.oneof(
      fc.record({ width: fc.constant(1), offset: fc.integer({ min: 0, max: 255 }), value: fc.integer({ min: 0, max: 0xff }) }),
      fc.record({ width: fc.constant(2), offset: fc.integer({ min: 0, max: 127 }).map((x) => x * 2), value: fc.integer({ min: 0, max: 0xffff }) }),
      fc.record({ width: fc.constant(4), offset: fc.integer({ min: 0, max: 63 }).map((x) => x * 4), value: fc.integer({ min: 0, max: 0xffffffff }) }),
    );
    fc.assert(fc.property(fc.array(write, { maxLength: 40 }), (writes) => {
      dev.reset();
      for (const { width, offset, value } of writes) dev.config.write(offset, width, value);
      for (let i = 0; i < 256; i++) {
        const ro = ~(wmask[i] | w1c[i]) & 0xff;
        expect(dev.config.read(i, 1) & ro, `byte ${i}`).toBe(initial[i] & ro);
        expect(dev.config.read(i, 1) & w1c[i] & ~initial[i]).toBe(0);
      }
    }), { numRuns: 200 });
    dev.unrealize();
  }, 600_000);
});

describe('ivshmem-v2', () => {
  // Two cells of four possible peers: whatever either does through its BARs, only AccessErrors are
  // thrown, the absent peers' output sections stay untouched (nobody may write them), and the state
  // table only ever holds what each device's State register says.
  test('random BAR traffic: only AccessErrors, no write into another peer\'s output section, the state table only through State', () => {
    host.addServer2({ id: 'v2', socket: '/tmp/v2', shm: 'v2', size: '64K', outputSectionSize: '8K', maxPeers: 4, vectors: 2 });
    const devices = [0, 1].map(() => host.realize('ivshmem-v2,chardev=v2'));
    for (const d of devices) {
      driver.v2.probe(d);
      driver.v2.enableInterrupts(d);
    }
    const { stateTable, outputs } = devices[0].v2!.sections;
    const server = machineOf(host).servers.get('v2') as unknown as { bytes: Uint8Array };
    const absent = outputs.slice(2).map((o) => server.bytes.slice(o.offset, o.offset + o.size));
    const access = fc.record({
      dev: fc.integer({ min: 0, max: 1 }),
      bar: fc.constantFrom(0, 1, 2),
      // the registers and every section's edges, often; anywhere, too
      offset: fc.oneof(
        fc.constantFrom(0, 4, 8, 0x0c, 0x10, 0x14),
        fc.constantFrom(0, stateTable.size, ...outputs.map((o) => o.offset)).chain((edge) => fc.integer({ min: edge - 8, max: edge + 8 })),
        fc.integer({ min: -8, max: 0x10010 }),
      ),
      width: fc.constantFrom(1, 2, 3, 4, 4, 4, 8),
      value: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer(), fc.bigInt({ min: -1n, max: 1n << 65n })),
      write: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(access, { maxLength: 60 }), (accesses) => {
      perform(devices, accesses);
      outputs.slice(2).forEach((o, i) => expect(Buffer.compare(Buffer.from(server.bytes.slice(o.offset, o.offset + o.size)), Buffer.from(absent[i])), `peer ${i + 2}'s output section`).toBe(0));
      const table = new DataView(server.bytes.buffer, server.bytes.byteOffset + stateTable.offset, stateTable.size);
      devices.forEach((d, id) => expect(table.getUint32(id * 4, true), `state table entry ${id}`).toBe(d.v2!.state));
      for (let at = 8; at < stateTable.size; at += 4) expect(table.getUint32(at, true), `state table word ${at}`).toBe(0);
    }), { numRuns: 150 });
    for (const d of devices) d.unrealize();
    // 150 runs of up to 60 accesses, each followed by a scan of the absent peers' output sections
    // and the state table: seconds when idle, a minute or more at a load of 20 on two cores.
  }, 600_000);
});

describe('doorbells and registers', () => {
  test('random BAR0 and BAR1 traffic never writes outside the devices and never throws but AccessError', () => {
    host.addObject('memory-backend-ram,id=guard,size=64K');
    const guard = host.realize('ivshmem-plain,memdev=guard');
    const devices = [0, 1, 2].map(() => host.realize('ivshmem-doorbell,chardev=srv,vectors=4'));
    for (const d of devices) driver.bringUpDoorbell(d);
    guard.bar(2).bytes!.fill(0x5a);
    const access = fc.record({
      dev: fc.integer({ min: 0, max: 2 }),
      bar: fc.constantFrom(0, 1),
      offset: fc.integer({ min: -8, max: 4200 }),
      width: fc.constantFrom(1, 2, 3, 4, 8),
      value: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer(), fc.double(), fc.bigInt({ min: -1n, max: 1n << 65n })),
      write: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(access, { maxLength: 60 }), (accesses) => {
      const delivered = devices.map((d) => [0, 1, 2, 3].map((v) => d.interrupts.delivered(v)));
      perform(devices, accesses);
      devices.forEach((d, i) => [0, 1, 2, 3].forEach((v) => expect(d.interrupts.delivered(v)).toBeGreaterThanOrEqual(delivered[i][v])));
      expect(guard.bar(2).bytes!.every((b) => b === 0x5a)).toBe(true);
    }), { numRuns: 150 });
    for (const d of devices) d.unrealize();
    guard.unrealize();
    host.deleteObject('guard');
  }, 600_000);
});

describe('a hostile server', () => {
  test('any message sequence ends in a device or a QemuError, never a crash or a half-made device', () => {
    const slot = machineOf(host).allocateEventfd();
    const region = machineOf(host).allocate(1 << 20, 'hostile');
    const message: fc.Arbitrary<ServerMessage> = fc.record({
      value: fc.oneof(fc.bigInt({ min: -3n, max: 6n }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })),
      handle: fc.option(fc.oneof(
        fc.record({ kind: fc.constant('eventfd' as const), slot: fc.oneof(fc.constant(slot), fc.integer({ min: -2, max: 5000 })) }),
        fc.record({ kind: fc.constant('memory' as const), offset: fc.oneof(fc.constant(region.offset), fc.integer()), size: fc.constantFrom(4096, 1 << 20, 0, -1), path: fc.constant('x') }),
      ), { nil: undefined }),
    });
    let n = 0;
    // QEMU's PCI ivshmem and ivshmem-flat read the messages each their own way (src/device/server-client.ts)
    const devices = ['ivshmem-doorbell,chardev=ID,vectors=2', 'ivshmem-flat,chardev=ID,shmem-size=1048576'];
    fc.assert(fc.property(fc.array(message, { maxLength: 12 }), fc.constantFrom(...devices), (script, device) => {
      const id = `evil${n++}`;
      host.addChardev({ id, socket: `/tmp/${id}`, isRunning: true, nextId: () => undefined,
        connect(sink: MessageSink) { script.forEach((m) => sink.receive(m)); return { id: 0, close() {} }; } });
      const before = host.devices.length;
      try {
        const dev = host.realize(device.replace('ID', id));
        expect(dev.sharedMemory).toBeDefined();
        dev.unrealize();
      } catch (error) {
        expect(error).toBeInstanceOf(QemuError);
      }
      expect(host.devices.length).toBe(before);
      const live = new Set(host.devices.map((d) => d.internals.block));
      const view = new DataView(machineOf(host).memory.buffer);
      const stale: number[] = [];
      for (let s = 0; s < EVENTFD_SLOTS; s++) {
        const bound = view.getInt32(EVENTFD_BASE + s * EVENTFD_STRIDE + EVENTFD_BOUND_DEVICE, true);
        if (bound !== 0 && !live.has(bound)) stale.push(s);
      }
      expect(stale, 'slots that still ring a device that is gone').toEqual([]);
      machineOf(host).servers.delete(id);
    }), { numRuns: 150 });
    // 150 realizes, each followed by a scan of every eventfd slot: seconds when idle, about a minute
    // on a 2-core machine at a load of 20.
  }, 600_000);
});

describe('the region allocator', () => {
  test('regions never overlap, stay in bounds, and freeing everything restores one hole', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 200_000 })), { maxLength: 80 }), (ops) => {
      const allocator = new RegionAllocator(4096, 4096 + 4 * 1024 * 1024);
      const live: { offset: number; size: number }[] = [];
      for (const [alloc, size] of ops) {
        if (alloc || live.length === 0) {
          const r = allocator.allocate(size);
          if (!r) continue;
          expect(r.offset % 4096).toBe(0);
          expect(r.offset + r.size).toBeLessThanOrEqual(4096 + 4 * 1024 * 1024);
          for (const o of live) expect(r.offset + r.size <= o.offset || o.offset + o.size <= r.offset).toBe(true);
          live.push(r);
        } else {
          allocator.release(live.splice(size % live.length, 1)[0]);
        }
      }
      for (const r of live.splice(0)) allocator.release(r);
      expect(allocator.largestFree).toBe(4 * 1024 * 1024);
    }));
  });
});

describe('sizes', () => {
  test('a number with a suffix is that many powers of 1024', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1 << 20 }), fc.constantFrom(['', 0], ['K', 10], ['m', 20], ['G', 30], ['t', 40]), (n, [suffix, shift]) => {
      expect(parseSize(`${n}${suffix}`)).toBe(BigInt(n) << BigInt(shift as number));
    }));
    for (const bad of ['', 'M', '1.5', '-1', '1 M', '1MB', '99999999999999999999E']) expect(parseSize(bad), bad).toBeUndefined();
  });
});
