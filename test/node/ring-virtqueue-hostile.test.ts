// A hostile peer on a virtqueue: each rule QEMU's virtqueue_split_pop (device side) and Linux's
// virtqueue_get_buf (driver side) enforce, broken one at a time by writing the shared bytes a
// peer can write; then random bytes over every shared part while the other side keeps going.
// A broken queue reports its first violation, counts it, and never touches the region again.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { VirtqueueDevice, VirtqueueDriver, splitLayout } from '../../src/ring/virtqueue.ts';
import { RingBrokenError } from '../../src/ring/ring-core.ts';
import * as R from '../../assembly/ring-layout.ts';
import { REGION, STATE_A, STATE_B, ringMemory } from './ring-fixture.ts';
import { CODE, popChain, takeUsed } from './ring-rules.ts';
import { seedFor } from './seed.ts';

const ctx = await ringMemory();
const dv = new DataView(ctx.buffer as SharedArrayBuffer, REGION.offset, REGION.size);
const SIZE = 8;
const layout = splitLayout(SIZE);
const DATA = 0x10000;

function queue(eventIdx = false) {
  const options = { ...ctx, region: REGION, size: SIZE, eventIdx };
  return { driver: new VirtqueueDriver({ ...options, state: STATE_A }), device: new VirtqueueDevice({ ...options, state: STATE_B }) };
}

const desc = (i: number, addr: number | bigint, len: number, flags: number, next: number, table = layout.desc) => {
  dv.setBigUint64(table + i * 16, BigInt(addr), true);
  dv.setUint32(table + i * 16 + 8, len, true);
  dv.setUint16(table + i * 16 + 12, flags, true);
  dv.setUint16(table + i * 16 + 14, next, true);
};
// What a hostile driver does: descriptors, then an avail entry and avail idx.
const offer = (head: number, idx = 1) => {
  dv.setUint16(layout.avail + 4 + ((idx - 1) % SIZE) * 2, head, true);
  dv.setUint16(layout.avail + 2, idx, true);
};
const regionCopy = () => ctx.bytes.slice(REGION.offset, REGION.offset + REGION.size);

function expectBroken(side: VirtqueueDevice | VirtqueueDriver, call: () => unknown, code: number) {
  expect(call).toThrow(RingBrokenError);
  expect(side.error, R.E_LAYOUT + ' codes: see ring-layout.ts').toBe(code);
  expect(side.violations).toBe(1);
  // Broken for good: it does not look at the region any more, nor write it.
  const before = regionCopy();
  expect(call).toThrow(RingBrokenError);
  expect(side.violations).toBe(1);
  expect(Buffer.compare(regionCopy(), before)).toBe(0);
}

const F = { NEXT: R.VIRTQ_DESC_F_NEXT, WRITE: R.VIRTQ_DESC_F_WRITE, INDIRECT: R.VIRTQ_DESC_F_INDIRECT };

describe('a hostile driver: the device refuses', () => {
  const cases: [string, () => void, number][] = [
    ['avail idx more than N ahead', () => { desc(0, DATA, 4, 0, 0); offer(0, SIZE + 1); }, R.E_AVAIL_IDX],
    ['an avail entry >= N', () => offer(SIZE), R.E_HEAD],
    ['a buffer past the region', () => { desc(0, REGION.size - 2, 4, 0, 0); offer(0); }, R.E_DESC_RANGE],
    ['a 64-bit address', () => { desc(0, 1n << 32n, 4, 0, 0); offer(0); }, R.E_DESC_RANGE],
    ['a zero-length buffer', () => { desc(0, DATA, 0, 0, 0); offer(0); }, R.E_DESC_LEN],
    ['a loop', () => { desc(0, DATA, 4, F.NEXT, 1); desc(1, DATA, 4, F.NEXT, 0); offer(0); }, R.E_LOOP],
    ['a self loop', () => { desc(3, DATA, 4, F.NEXT, 3); offer(3); }, R.E_LOOP],
    ['next >= N', () => { desc(0, DATA, 4, F.NEXT, SIZE); offer(0); }, R.E_NEXT],
    ['readable after writable', () => { desc(0, DATA, 4, F.NEXT | F.WRITE, 1); desc(1, DATA, 4, 0, 0); offer(0); }, R.E_ORDER],
    ['INDIRECT with NEXT', () => { desc(0, 0x8000, 16, F.INDIRECT | F.NEXT, 1); offer(0); }, R.E_INDIRECT],
    ['an indirect table of 0 bytes', () => { desc(0, 0x8000, 0, F.INDIRECT, 0); offer(0); }, R.E_INDIRECT],
    ['an indirect table not a multiple of 16', () => { desc(0, 0x8000, 24, F.INDIRECT, 0); offer(0); }, R.E_INDIRECT],
    ['an indirect table past the region', () => { desc(0, REGION.size - 16, 32, F.INDIRECT, 0); offer(0); }, R.E_DESC_RANGE],
    ['a nested indirect table', () => { desc(0, 0x8000, 16, F.INDIRECT, 0); desc(0, 0x9000, 16, F.INDIRECT, 0, 0x8000); offer(0); }, R.E_INDIRECT],
    ['INDIRECT after the head', () => { desc(0, DATA, 4, F.NEXT, 1); desc(1, 0x8000, 16, F.INDIRECT, 0); offer(0); }, R.E_INDIRECT],
    ['a loop inside an indirect table', () => { desc(0, 0x8000, 32, F.INDIRECT, 0); desc(0, DATA, 4, F.NEXT, 1, 0x8000); desc(1, DATA, 4, F.NEXT, 0, 0x8000); offer(0); }, R.E_LOOP],
    ['next past an indirect table', () => { desc(0, 0x8000, 32, F.INDIRECT, 0); desc(0, DATA, 4, F.NEXT, 2, 0x8000); offer(0); }, R.E_NEXT],
  ];
  for (const [what, write, code] of cases) {
    test(what, () => {
      const { device } = queue();
      write();
      expectBroken(device, () => device.pop(), code);
    });
  }

  test('a chain of exactly N descriptors is fine; the device never walks further', () => {
    const { device } = queue();
    for (let i = 0; i < SIZE; i++) desc(i, DATA + i * 8, 8, i + 1 < SIZE ? F.NEXT : 0, i + 1);
    offer(0);
    expect(device.pop()!.out).toHaveLength(SIZE);
  });
});

describe('a hostile device: the driver refuses', () => {
  function oneInFlight() {
    const q = queue();
    const head = q.driver.add([{ addr: DATA, len: 8 }], [{ addr: DATA + 8, len: 16 }])!;
    q.driver.publish();
    return { ...q, head };
  }
  const used = (idx: number, id: number, len: number) => {
    dv.setUint32(layout.used + 4 + ((idx - 1) % SIZE) * 8, id, true);
    dv.setUint32(layout.used + 8 + ((idx - 1) % SIZE) * 8, len, true);
    dv.setUint16(layout.used + 2, idx, true);
  };
  test('used idx past the chains in flight', () => {
    const { driver, head } = oneInFlight();
    used(2, head, 0);
    expectBroken(driver, () => driver.getUsed(), R.E_USED_IDX);
  });
  test('a used id >= N', () => {
    const { driver } = oneInFlight();
    used(1, SIZE, 0);
    expectBroken(driver, () => driver.getUsed(), R.E_USED_ID);
  });
  test('a used id that is not a head in flight', () => {
    const { driver, head } = oneInFlight();
    used(1, head + 1, 0);
    expectBroken(driver, () => driver.getUsed(), R.E_USED_ID);
  });
  test('a used length beyond the writable bytes', () => {
    const { driver, head } = oneInFlight();
    used(1, head, 17);
    expectBroken(driver, () => driver.getUsed(), R.E_USED_LEN);
  });
  test('the same head returned twice', () => {
    const { driver, head } = oneInFlight();
    driver.add([{ addr: DATA, len: 8 }]);
    driver.publish();
    used(1, head, 16);
    expect(driver.getUsed()).toEqual({ head, len: 16 });
    used(2, head, 16);
    expectBroken(driver, () => driver.getUsed(), R.E_USED_ID);
  });
});

describe('random bytes over the shared parts while the other side runs, against the rules of docs/rings.md', () => {
  // Each step runs an honest operation of the peer, lets the peer scribble random bytes at a
  // random place of the queue's parts (or right on the words that matter most: indices, ring
  // entries, descriptors), then makes the victim's next call. test/node/ring-rules.ts, written
  // from docs/rings.md alone, says what that call must do: report a violation (one of the codes of
  // the rules the bytes break), or return exactly the chain / used entry the bytes hold. So every
  // violation is reported, with its documented code, and nothing else is read.
  const hot = [layout.avail + 2, layout.avail + 4, layout.used + 2, layout.used + 4, layout.used + 8, layout.desc, layout.desc + 8, layout.desc + 12];
  const scribble = fc.oneof(
    fc.record({
      at: fc.oneof(fc.integer({ min: 0, max: layout.bytes - 1 }), fc.constantFrom(...hot)),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
    // plausible flags and next of one descriptor: the way to loops and writable-before-readable
    fc.record({
      at: fc.integer({ min: 0, max: SIZE - 1 }).map((i) => layout.desc + 16 * i + 12),
      bytes: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: SIZE - 1 })).map(([flags, next]) => Uint8Array.of(flags, 0, next, 0)),
    }),
  );
  const step = fc.record({ indirect: fc.boolean(), scribbles: fc.array(scribble, { maxLength: 2 }) });
  const region = new DataView(ctx.buffer as SharedArrayBuffer, REGION.offset, REGION.size);
  const at = { size: SIZE, ...layout };
  for (const side of ['device', 'driver'] as const) {
    test(`the ${side} side`, () => {
      const codes = new Set<number>();
      const possible = side === 'device'
        ? [CODE.E_AVAIL_IDX, CODE.E_HEAD, CODE.E_DESC_RANGE, CODE.E_DESC_LEN, CODE.E_LOOP, CODE.E_NEXT, CODE.E_INDIRECT, CODE.E_ORDER]
        : [CODE.E_USED_IDX, CODE.E_USED_ID, CODE.E_USED_LEN];
      const property = fc.property(fc.boolean(), fc.array(step, { maxLength: 40 }), (eventIdx, steps) => {
        const { driver, device } = queue(eventIdx);
        const victim = side === 'device' ? device : driver;
        const peerDoes = (f: () => void) => { try { f(); } catch (e) { if (!(e instanceof RingBrokenError)) throw e; } };
        let last = 0;
        const inFlight = new Map<number, number>();
        let n = 0;
        for (const { indirect, scribbles } of steps) {
          const scribbleNow = () => { for (const w of scribbles) ctx.bytes.set(w.bytes.subarray(0, layout.bytes - w.at), REGION.offset + w.at); };
          if (side === 'device') {
            peerDoes(() => {
              const slot = DATA + (n++ % 64) * 32;
              driver.add([{ addr: slot, len: 16 }], [{ addr: slot + 16, len: 16 }], indirect ? { indirect: DATA + 0x4000 + (n % SIZE) * 32 } : {});
              driver.publish();
              driver.getUsed();
            });
            scribbleNow();
            const want = popChain(region, at, last);
            if ('violations' in want) {
              expect(() => device.pop()).toThrow(RingBrokenError);
              expect(want.violations).toContain(device.error);
              break;
            }
            const chain = device.pop();
            expect(chain).toEqual(want.ok);
            if (chain) {
              last++;
              device.push(chain.head, 0);
              device.publish();
            }
          } else {
            const head = driver.add([{ addr: DATA, len: 8 }], [{ addr: DATA + 0x100, len: 64 }]);
            if (head !== null) inFlight.set(head, 64);
            driver.publish();
            peerDoes(() => { const c = device.pop(); if (c) { device.push(c.head, 64); device.publish(); } });
            scribbleNow();
            const want = takeUsed(region, at, last, inFlight);
            if ('violations' in want) {
              expect(() => driver.getUsed()).toThrow(RingBrokenError);
              expect(want.violations).toContain(driver.error);
              break;
            }
            const got = driver.getUsed();
            expect(got).toEqual(want.ok);
            if (got) { last++; inFlight.delete(got.head); }
          }
        }
        if (victim.broken) {
          codes.add(victim.error);
          expect(victim.violations).toBe(1);
          // broken for good: the next call reports the same, counts nothing more, reads and writes nothing
          const before = regionCopy();
          expect(() => (side === 'device' ? device.pop() : driver.getUsed())).toThrow(RingBrokenError);
          expect(victim.violations).toBe(1);
          expect(Buffer.compare(regionCopy(), before)).toBe(0);
        }
        expect(driver.numFree).toBeLessThanOrEqual(SIZE);
      });
      // The scribbles must reach the refusals, not only the happy path: every code this side can
      // report. Some codes take a rare scribble, so batches of runs go on until each is reached
      // (400 runs missed one now and then; ten batches make a miss a sign of a real change).
      const seed = seedFor(`virtqueue scribbles, the ${side} side`);
      for (let batch = 0; batch < 10 && !possible.every((c) => codes.has(c)); batch++) fc.assert(property, { numRuns: 400, seed: seed + batch });
      expect([...codes].sort((a, b) => a - b)).toEqual(possible.sort((a, b) => a - b));
    });
  }
});
