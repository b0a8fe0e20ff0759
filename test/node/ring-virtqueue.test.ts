// The virtio split virtqueue: the driver and device sides against a model of what virtio 1.x
// says the queue does, the bytes against the spec's layout, event suppression by the spec's
// formulas, and a driver breaking every rule QEMU's virtqueue_split_pop checks.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { VirtqueueDevice, VirtqueueDriver, splitLayout, type VqBuffer } from '../../src/ring/virtqueue.ts';
import { RingBrokenError } from '../../src/ring/ring-core.ts';
import { AccessError, QemuError } from '../../src/errors.ts';
import * as R from '../../assembly/ring-layout.ts';
import { REGION, STATE_A, STATE_B, ringMemory } from './ring-fixture.ts';

const ctx = await ringMemory();
const le16 = (regionOffset: number) => ctx.bytes[REGION.offset + regionOffset] | (ctx.bytes[REGION.offset + regionOffset + 1] << 8);
const put16 = (regionOffset: number, v: number) => { ctx.bytes[REGION.offset + regionOffset] = v & 0xff; ctx.bytes[REGION.offset + regionOffset + 1] = (v >> 8) & 0xff; };
const put32 = (regionOffset: number, v: number) => new DataView(ctx.buffer as SharedArrayBuffer).setUint32(REGION.offset + regionOffset, v >>> 0, true);

function pair(size: number, eventIdx = false) {
  const options = { ...ctx, region: REGION, size, eventIdx };
  const driver = new VirtqueueDriver({ ...options, state: STATE_A });
  const device = new VirtqueueDevice({ ...options, state: STATE_B });
  return { driver, device, layout: splitLayout(size) };
}

// Data buffers live past the queue's own parts.
const DATA = 0x10000;

describe('virtqueue: layout and a first exchange', () => {
  test('splitLayout packs desc, avail, used with the spec\'s alignments', () => {
    expect(splitLayout(8)).toEqual({ desc: 0, avail: 128, used: 152, bytes: 152 + 6 + 64 });
    // avail ends at 8192 + 6 + 512 = 8710; used rounds up to 8712 and ends at 8712 + 6 + 2048.
    expect(splitLayout(256, 4096)).toEqual({ desc: 4096, avail: 8192, used: 8712, bytes: 8712 + 6 + 2048 - 4096 });
  });

  test('a chain added by the driver is in the bytes as virtio 1.x lays it out, and comes back used', () => {
    const { driver, device, layout } = pair(8);
    const head = driver.add([{ addr: DATA, len: 16 }], [{ addr: DATA + 0x100, len: 32 }])!;
    expect(head).toBe(0);
    // Not visible before publish: avail idx is still 0.
    expect(le16(layout.avail + 2)).toBe(0);
    expect(device.pop()).toBeNull();
    expect(driver.publish()).toBe(true);
    expect(le16(layout.avail + 2)).toBe(1);
    expect(le16(layout.avail + 4)).toBe(head);
    const view = new DataView(ctx.buffer as SharedArrayBuffer, REGION.offset + layout.desc);
    // desc[0] = {addr DATA, len 16, flags NEXT, next 1}, desc[1] = {addr DATA+0x100, len 32, flags WRITE}
    expect([Number(view.getBigUint64(0, true)), view.getUint32(8, true), view.getUint16(12, true), view.getUint16(14, true)]).toEqual([DATA, 16, 1, 1]);
    expect([Number(view.getBigUint64(16, true)), view.getUint32(24, true), view.getUint16(28, true)]).toEqual([DATA + 0x100, 32, 2]);
    const chain = device.pop()!;
    expect(chain).toEqual({ head, out: [{ addr: DATA, len: 16 }], in: [{ addr: DATA + 0x100, len: 32 }] });
    device.view(chain.in[0]).fill(0xab);
    device.push(chain.head, 32);
    expect(driver.getUsed()).toBeNull();
    expect(device.publish()).toBe(true);
    expect(le16(layout.used + 2)).toBe(1);
    expect(new DataView(ctx.buffer as SharedArrayBuffer).getUint32(REGION.offset + layout.used + 4, true)).toBe(head);
    expect(new DataView(ctx.buffer as SharedArrayBuffer).getUint32(REGION.offset + layout.used + 8, true)).toBe(32);
    expect(driver.getUsed()).toEqual({ head, len: 32 });
    expect(driver.view({ addr: DATA + 0x100, len: 32 }).every((b) => b === 0xab)).toBe(true);
    expect(driver.numFree).toBe(8);
  });

  test('an indirect chain takes one descriptor; the device walks the table', () => {
    const { driver, device, layout } = pair(4);
    const table = 0x8000;
    const head = driver.add([{ addr: DATA, len: 8 }, { addr: DATA + 8, len: 8 }], [{ addr: DATA + 64, len: 100 }], { indirect: table })!;
    expect(driver.numFree).toBe(3);
    driver.publish();
    const view = new DataView(ctx.buffer as SharedArrayBuffer, REGION.offset);
    expect([Number(view.getBigUint64(layout.desc + head * 16, true)), view.getUint32(layout.desc + head * 16 + 8, true), view.getUint16(layout.desc + head * 16 + 12, true)]).toEqual([table, 48, R.VIRTQ_DESC_F_INDIRECT]);
    expect([view.getUint16(table + 12, true), view.getUint16(table + 14, true), view.getUint16(table + 28, true), view.getUint16(table + 44, true)]).toEqual([1, 1, 1, 2]);
    expect(device.pop()).toEqual({ head, out: [{ addr: DATA, len: 8 }, { addr: DATA + 8, len: 8 }], in: [{ addr: DATA + 64, len: 100 }] });
  });

  test('bad arguments throw and change nothing', () => {
    const { driver, device } = pair(4);
    expect(() => driver.add([])).toThrow(AccessError);
    expect(() => driver.add([{ addr: REGION.size - 4, len: 8 }])).toThrow(AccessError);
    expect(() => driver.add([{ addr: 0, len: 0 }])).toThrow(AccessError);
    expect(() => driver.add([{ addr: 0, len: 1 }], [], { indirect: 8 })).toThrow(AccessError);
    expect(() => device.push(4, 0)).toThrow(AccessError);
    expect(driver.numFree).toBe(4);
    expect(() => new VirtqueueDriver({ ...ctx, region: REGION, size: 6, state: STATE_A })).toThrow(QemuError);
    expect(() => new VirtqueueDriver({ ...ctx, region: REGION, size: 8, state: REGION.offset + 64 })).toThrow(/overlaps/);
    expect(() => new VirtqueueDriver({ ...ctx, region: REGION, size: 8, state: STATE_A, layout: { desc: 8, avail: 1024, used: 2048 } })).toThrow(/alignments/);
    expect(() => new VirtqueueDriver({ ...ctx, region: REGION, size: 8, state: STATE_A, layout: { desc: 0, avail: 1024, used: REGION.size - 8 } })).toThrow(/do not fit/);
  });
});

describe('virtqueue: against a model (random add / publish / pop / push / get sequences)', () => {
  type Op =
    | { op: 'add'; out: number; in: number; indirect: boolean }
    | { op: 'publish' } | { op: 'pop' } | { op: 'push'; pick: number; frac: number } | { op: 'devPublish' } | { op: 'get' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('add' as const), out: fc.integer({ min: 0, max: 3 }), in: fc.integer({ min: 0, max: 3 }), indirect: fc.boolean() }),
    fc.constant({ op: 'publish' as const }), fc.constant({ op: 'pop' as const }),
    fc.record({ op: fc.constant('push' as const), pick: fc.nat(), frac: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.constant({ op: 'devPublish' as const }), fc.constant({ op: 'get' as const }),
  );

  test('every chain comes out of pop exactly as added, in order, and back through getUsed as pushed', () => {
    fc.assert(fc.property(fc.constantFrom(1, 2, 4, 8), fc.boolean(), fc.array(opArb, { maxLength: 150 }), (size, eventIdx, ops) => {
      const { driver, device } = pair(size, eventIdx);
      let serial = 0;
      let tableSerial = 0;
      const added: { head: number; out: VqBuffer[]; in: VqBuffer[]; descs: number }[] = [];
      let published = 0; // added[0..published) are visible
      const popped: { head: number; writable: number; descs: number }[] = [];
      const pushed: { head: number; len: number; descs: number }[] = [];
      let usedVisible = 0;
      let inFlightDescs = 0;
      const tables = new Set<number>();
      for (const o of ops) {
        if (o.op === 'add') {
          const n = o.out + o.in;
          if (n === 0 || n > size) continue;
          const mk = () => ({ addr: DATA + (serial++ % 512) * 64, len: 1 + (serial % 60) });
          const out = Array.from({ length: o.out }, mk);
          const into = Array.from({ length: o.in }, mk);
          const descs = o.indirect ? 1 : n;
          // a fresh 128-byte table per chain (up to 6 descriptors of 16 bytes), recycled only after
          // 512 chains, so a live table is never reused or overlapped by the next one
          const free = size - inFlightDescs;
          const head = driver.add(out, into, o.indirect ? { indirect: 0x20000 + (tableSerial++ % 512) * 128 } : {});
          if (descs > free) { expect(head).toBeNull(); continue; }
          expect(head).not.toBeNull();
          if (o.indirect) tables.add(head!);
          inFlightDescs += descs;
          added.push({ head: head!, out, in: into, descs });
        } else if (o.op === 'publish') {
          driver.publish();
          published = added.length;
        } else if (o.op === 'pop') {
          const chain = device.pop();
          if (published === 0) { expect(chain).toBeNull(); continue; }
          const want = added.shift()!;
          published--;
          expect(chain).toEqual({ head: want.head, out: want.out, in: want.in });
          popped.push({ head: want.head, writable: want.in.reduce((s, b) => s + b.len, 0), descs: want.descs });
        } else if (o.op === 'push') {
          if (popped.length === 0) continue;
          const [c] = popped.splice(o.pick % popped.length, 1);
          const len = Math.floor(c.writable * o.frac);
          device.push(c.head, len);
          pushed.push({ head: c.head, len, descs: c.descs });
        } else if (o.op === 'devPublish') {
          device.publish();
          usedVisible = pushed.length;
        } else {
          const used = driver.getUsed();
          if (usedVisible === 0) { expect(used).toBeNull(); continue; }
          const want = pushed.shift()!;
          usedVisible--;
          expect(used).toEqual({ head: want.head, len: want.len });
          inFlightDescs -= want.descs;
        }
        expect(driver.numFree).toBe(size - inFlightDescs);
      }
      expect(driver.broken || device.broken).toBe(false);
    }), { numRuns: 300 });
  });
});

describe('virtqueue: descriptors are recycled', () => {
  test('after many cycles of chains of every length, all N descriptors are free and usable again', () => {
    const { driver, device } = pair(8);
    for (let round = 0; round < 50; round++) {
      for (let n = 1; n <= 8; n++) {
        const bufs = Array.from({ length: n }, (_, i) => ({ addr: DATA + i * 16, len: 16 }));
        const head = driver.add(bufs.slice(0, n >> 1), bufs.slice(n >> 1))!;
        expect(head).not.toBeNull();
        driver.publish();
        const chain = device.pop()!;
        expect(chain.out.length + chain.in.length).toBe(n);
        device.push(chain.head, 0);
        device.publish();
        expect(driver.getUsed()!.head).toBe(head);
      }
    }
    const heads = Array.from({ length: 8 }, () => driver.add([{ addr: DATA, len: 1 }]));
    expect(new Set(heads)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(driver.add([{ addr: DATA, len: 1 }])).toBeNull();
    driver.publish();
    for (const head of heads) expect(device.pop()!.head).toBe(head);
  });
});

describe('virtqueue: notification and interrupt suppression', () => {
  test('without EVENT_IDX: NO_NOTIFY and NO_INTERRUPT flags decide', () => {
    const { driver, device, layout } = pair(4);
    device.disableNotify();
    expect(le16(layout.used)).toBe(R.VIRTQ_USED_F_NO_NOTIFY);
    driver.add([{ addr: DATA, len: 4 }]);
    expect(driver.publish()).toBe(false);
    expect(device.enableNotify()).toBe(true); // a chain is already there: pop rather than sleep
    expect(le16(layout.used)).toBe(0);
    driver.add([{ addr: DATA, len: 4 }]);
    expect(driver.publish()).toBe(true);
    driver.disableInterrupts();
    expect(le16(layout.avail)).toBe(R.VIRTQ_AVAIL_F_NO_INTERRUPT);
    device.push(device.pop()!.head, 0);
    expect(device.publish()).toBe(false);
    expect(driver.enableInterrupts()).toBe(true);
    device.push(device.pop()!.head, 0);
    expect(device.publish()).toBe(true);
    expect([driver.notifies, driver.suppressed, device.notifies, device.suppressed]).toEqual([1, 1, 1, 1]);
  });

  test('with EVENT_IDX: (u16)(new - event - 1) < (u16)(new - old), across the 16-bit wrap', () => {
    const { driver, device, layout } = pair(4, true);
    const availEvent = layout.used + 4 + 8 * 4;
    const usedEvent = layout.avail + 4 + 2 * 4;
    // The device has seen nothing: avail_event 0, so the first publish (0 -> 1) notifies.
    driver.add([{ addr: DATA, len: 4 }]);
    expect(driver.publish()).toBe(true);
    // The device pops it and, as QEMU does, sets avail_event to its last_avail_idx (1).
    const c1 = device.pop()!;
    expect(le16(availEvent)).toBe(1);
    driver.add([{ addr: DATA, len: 4 }]);
    expect(driver.publish()).toBe(true); // 1 -> 2 passes event 1
    driver.add([{ addr: DATA, len: 4 }]);
    expect(driver.publish()).toBe(false); // 2 -> 3 does not: the device has not caught up
    // The driver wants an interrupt when used idx passes 0 (its last_used).
    expect(driver.enableInterrupts()).toBe(false);
    expect(le16(usedEvent)).toBe(0);
    device.push(c1.head, 0);
    expect(device.publish()).toBe(true);
    device.push(device.pop()!.head, 0);
    expect(device.publish()).toBe(false); // used_event still 0: 1 -> 2 does not pass it
    // Drive both indices across 65535 -> 0 and check the formula still holds there.
    let n = 0;
    while (le16(layout.avail + 2) !== 0xfffe) {
      driver.getUsed(); driver.getUsed();
      driver.add([{ addr: DATA, len: 4 }]);
      driver.publish();
      const c = device.pop(); if (c) { device.push(c.head, 0); device.publish(); }
      expect(++n).toBeLessThan(70_000);
    }
    while (driver.getUsed()) { /* drain */ }
    while (device.pop()) { /* the chain in flight goes back */ }
    device.publish();
    driver.add([{ addr: DATA, len: 4 }]);
    expect(driver.publish()).toBe(true); // 0xfffe -> 0xffff, avail_event 0xfffe
    device.pop();
    driver.add([{ addr: DATA, len: 4 }]);
    expect(le16(layout.avail + 2)).toBe(0xffff);
    expect(driver.publish()).toBe(true); // 0xffff -> 0x0000 passes avail_event 0xffff
    expect(le16(layout.avail + 2)).toBe(0);
    expect(driver.broken || device.broken).toBe(false);
  });
});
