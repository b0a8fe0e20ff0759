// The SPSC message ring: its bytes as docs/rings.md draws them, wrap-around with padding and
// across 2^32, batches (one index store, one doorbell), zero copy, event suppression, a property
// against a plain array model, and a peer breaking each rule.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { MessageConsumer, MessageProducer, formatMessageRing, messageRingBytes } from '../../src/ring/message-ring.ts';
import type { Doorbell } from '../../src/ring/doorbell.ts';
import { RingBrokenError } from '../../src/ring/ring-core.ts';
import { AccessError, QemuError } from '../../src/errors.ts';
import * as R from '../../assembly/ring-layout.ts';
import { REGION, STATE_A, STATE_B, ringMemory } from './ring-fixture.ts';
import { CODE, nextMessage, reserve } from './ring-rules.ts';

const ctx = await ringMemory();
const dv = new DataView(ctx.buffer as SharedArrayBuffer, REGION.offset, REGION.size);

/** A doorbell that counts rings and never sleeps (single-threaded tests). */
function countingDoorbell() {
  const bell = { rings: 0, ring() { bell.rings++; }, wait: () => true, waitAsync: async () => true } satisfies Doorbell & { rings: number };
  return bell;
}

function ring(capacity: number, indices?: number) {
  formatMessageRing(ctx, REGION, capacity);
  if (indices !== undefined) { dv.setUint32(R.RING_H_HEAD, indices, true); dv.setUint32(R.RING_H_TAIL, indices, true); }
  const pbell = countingDoorbell();
  const cbell = countingDoorbell();
  const producer = new MessageProducer(ctx, { region: REGION, state: STATE_A, doorbell: pbell });
  const consumer = new MessageConsumer(ctx, { region: REGION, state: STATE_B, doorbell: cbell });
  return { producer, consumer, pbell, cbell };
}
const msg = (len: number, seed: number) => Uint8Array.from({ length: len }, (_, i) => (seed * 31 + i * 7) & 0xff);

describe('message ring: bytes and basics', () => {
  test('format writes the header as documented; a push is le32 length, le32 0, payload padded to 8 at data + 0', () => {
    const { producer, consumer } = ring(256);
    expect([dv.getUint32(0, true), dv.getUint32(4, true), dv.getUint32(8, true)]).toEqual([0x474e4952, 2, 256]);
    expect([dv.getUint32(64, true), dv.getUint32(68, true), dv.getUint32(128, true), dv.getUint32(132, true)]).toEqual([0, 0xffffffff, 0, 0xffffffff]);
    expect(new TextDecoder().decode(new Uint8Array(ctx.buffer, REGION.offset, 4))).toBe('RING');
    dv.setUint32(192 + 4, 0xdeadbeef, true); // the reserved word is written 0
    expect(producer.push(Uint8Array.of(1, 2, 3, 4, 5))).toBe(true);
    expect(dv.getUint32(64, true)).toBe(16); // head: 8 + 8 bytes
    expect([dv.getUint32(192, true), dv.getUint32(196, true)]).toEqual([5, 0]);
    expect([...new Uint8Array(ctx.buffer, REGION.offset + 200, 5)]).toEqual([1, 2, 3, 4, 5]);
    expect(consumer.pop()).toEqual(Uint8Array.of(1, 2, 3, 4, 5));
    expect(dv.getUint32(128, true)).toBe(16); // tail
    expect(consumer.pop()).toBeNull();
    expect(messageRingBytes(256)).toBe(192 + 256);
  });

  test('empty messages, the largest message, and refusals that change nothing', () => {
    const { producer, consumer } = ring(64);
    expect(producer.maxMessage).toBe(56);
    expect(producer.push(msg(56, 1))).toBe(true);
    expect(producer.push(new Uint8Array(0))).toBe(false); // full: 64 of 64 bytes in flight
    expect(() => producer.push(new Uint8Array(57))).toThrow(AccessError);
    expect(consumer.pop()).toEqual(msg(56, 1));
    expect(producer.push(new Uint8Array(0))).toBe(true);
    expect(consumer.pop()).toEqual(new Uint8Array(0));
    // read() into a buffer too small for the message refuses it and leaves it in the ring
    producer.push(msg(10, 3));
    expect(() => consumer.read(new Uint8Array(8))).toThrow(AccessError);
    const big = new Uint8Array(64);
    expect(consumer.read(big)).toBe(10);
    expect(big.subarray(0, 10)).toEqual(msg(10, 3));
    expect(() => formatMessageRing(ctx, REGION, 100)).toThrow(QemuError);
    expect(() => formatMessageRing(ctx, REGION, 256, 32)).toThrow(QemuError);
    expect(() => new MessageProducer(ctx, { region: REGION, state: REGION.offset + 8 })).toThrow(/overlaps/);
  });

  test('attaching to something that is not a ring is refused with E_RING_HEADER', () => {
    formatMessageRing(ctx, REGION, 256);
    dv.setUint32(8, 3000, true); // capacity not a power of two
    expect(() => new MessageConsumer(ctx, { region: REGION, state: STATE_B })).toThrow(RingBrokenError);
    formatMessageRing(ctx, REGION, 256);
    dv.setUint32(0, 0, true);
    expect(() => new MessageConsumer(ctx, { region: REGION, state: STATE_B })).toThrow(/header/);
    formatMessageRing(ctx, { offset: REGION.offset, size: 1024 }, 512);
    // A ring claiming more capacity than its region holds.
    dv.setUint32(8, 1024, true);
    expect(() => new MessageConsumer(ctx, { region: { offset: REGION.offset, size: 1024 }, state: STATE_B })).toThrow(RingBrokenError);
  });
});

describe('message ring: wrap-around', () => {
  test('a message that does not fit before the end leaves padding 0xffffffff and starts at data + 0', () => {
    const { producer, consumer } = ring(64);
    expect(producer.push(msg(33, 1))).toBe(true); // bytes 0..48
    expect(consumer.pop()).toEqual(msg(33, 1));
    expect(producer.push(msg(20, 2))).toBe(true); // 32 bytes do not fit in 48..64 (16): pad, then 0..32
    expect(dv.getUint32(192 + 48, true)).toBe(0xffffffff);
    expect(dv.getUint32(192 + 0, true)).toBe(20);
    expect(dv.getUint32(64, true)).toBe(48 + 16 + 32);
    expect(consumer.pop()).toEqual(msg(20, 2));
    expect(dv.getUint32(128, true)).toBe(96);
  });

  test('a message needing the whole ring after padding: the pad is published at once, the message follows once there is room', () => {
    const { producer, consumer } = ring(64);
    producer.push(msg(8, 1)); // 0..16
    consumer.pop();
    expect(producer.push(msg(56, 2))).toBe(false); // 64 bytes needed: pad 16..64 fits, the message does not
    expect(dv.getUint32(R.RING_H_HEAD, true)).toBe(64); // the pad is published all the same
    expect(consumer.pop()).toBeNull(); // the consumer skips the pad
    expect(dv.getUint32(R.RING_H_TAIL, true)).toBe(64);
    expect(producer.push(msg(56, 2))).toBe(true);
    expect(consumer.pop()).toEqual(msg(56, 2));
  });

  test('indices running across 2^32 keep working (free-running u32)', () => {
    const start = 0xffffff00;
    const { producer, consumer } = ring(128, start);
    for (let i = 0; i < 100; i++) {
      expect(producer.push(msg(i % 50, i))).toBe(true);
      expect(consumer.pop()).toEqual(msg(i % 50, i));
    }
    expect(dv.getUint32(64, true)).toBeLessThan(start); // wrapped
    expect(consumer.broken || producer.broken).toBe(false);
  });
});

describe('message ring: batches, zero copy, event suppression', () => {
  test('a batch is one index store and at most one doorbell', () => {
    const { producer, consumer, pbell } = ring(1024);
    expect(consumer.wait({ timeoutMs: 0 })).toBe(false); // the consumer announced its sleep
    for (let i = 0; i < 10; i++) expect(producer.write(msg(16, i))).toBe(true);
    expect(dv.getUint32(64, true)).toBe(0); // nothing published yet
    expect(consumer.pop()).toBeNull();
    producer.publish();
    expect(dv.getUint32(64, true)).toBe(240); // 10 x (8 + 16)
    expect(pbell.rings).toBe(1);
    expect(consumer.popBatch().map((m) => m[0])).toEqual(Array.from({ length: 10 }, (_, i) => msg(16, i)[0]));
    expect(consumer.messages).toBe(10);
    expect(producer.pushBatch([msg(4, 1), msg(4, 2)])).toBe(2);
    expect(pbell.rings).toBe(1); // the consumer did not sleep again: no doorbell
  });

  test('a busy consumer costs no doorbells; one that sleeps gets exactly one', () => {
    const { producer, consumer, pbell } = ring(256);
    for (let i = 0; i < 1000; i++) { producer.push(msg(8, i)); expect(consumer.pop()).toEqual(msg(8, i)); }
    expect(pbell.rings).toBe(0);
    expect(producer.suppressed).toBe(1000);
    expect(consumer.wait({ timeoutMs: 0 })).toBe(false);
    expect(dv.getUint32(R.RING_H_DATA_EVENT, true)).toBe(dv.getUint32(R.RING_H_TAIL, true));
    producer.push(msg(8, 1));
    producer.push(msg(8, 2));
    expect(pbell.rings).toBe(1);
    expect(producer.notifies).toBe(1);
  });

  test('a producer waiting for room is rung by the release that frees it, not before', () => {
    const { producer, consumer, cbell } = ring(64);
    producer.push(msg(56, 1));
    expect(producer.pushWait(msg(4, 2), { timeoutMs: 0 })).toBe(false); // announces space_event
    expect(cbell.rings).toBe(0);
    consumer.pop();
    expect(cbell.rings).toBe(1);
  });

  test('read() copies a message of any length into any buffer, and nothing past it', () => {
    const { producer, consumer } = ring(1024);
    const aligned = new Uint8Array(1024);
    const unaligned = new Uint8Array(1025).subarray(1);
    const other = new Uint8Array(1024);
    for (const len of [0, 1, 2, 3, 4, 5, 63, 64, 65, 255, 256, 257, 300]) {
      for (const into of [aligned, unaligned, other, aligned]) {
        into.fill(0xee);
        producer.push(msg(len, len));
        expect(consumer.read(into)).toBe(len);
        consumer.release();
        expect(into.subarray(0, len)).toEqual(msg(len, len));
        expect(into.subarray(len).every((b) => b === 0xee), `nothing written past ${len} bytes`).toBe(true);
      }
    }
  });

  test('reserve gives a view inside the ring; commit a shorter length', () => {
    const { producer, consumer } = ring(1 << 16);
    const view = producer.reserve(40000)!;
    expect(view.buffer).toBe(ctx.buffer);
    expect(view.byteOffset).toBe(REGION.offset + 192 + 8);
    view.fill(7, 0, 30000);
    producer.commit(30000);
    producer.publish();
    const got = consumer.peek()!;
    expect(got.byteOffset).toBe(REGION.offset + 200);
    expect(got.length).toBe(30000);
    expect(got.every((b) => b === 7)).toBe(true);
    consumer.consume();
    consumer.release();
    expect(consumer.peek()).toBeNull();
    expect(() => producer.commit(1)).toThrow(AccessError);
  });
});

describe('message ring: sleeping with the futex doorbell', () => {
  test('popAsync sleeps (Atomics.waitAsync on head) until a push rings it; a timeout gives null', async () => {
    formatMessageRing(ctx, REGION, 256);
    const producer = new MessageProducer(ctx, { region: REGION, state: STATE_A });
    const consumer = new MessageConsumer(ctx, { region: REGION, state: STATE_B });
    expect(await consumer.popAsync({ timeoutMs: 20 })).toBeNull();
    const pending = consumer.popAsync({ timeoutMs: 60_000 });
    // popAsync announces its sleep before its first await: data_event is already its tail, and
    // the push below rings it.
    expect(dv.getUint32(R.RING_H_DATA_EVENT, true)).toBe(dv.getUint32(R.RING_H_TAIL, true));
    producer.push(msg(7, 7));
    expect(await pending).toEqual(msg(7, 7));
    expect(producer.notifies).toBe(1);
  }, 30_000);
});

describe('message ring: no lost wake-up, wherever the other side steps in', () => {
  // The waiting side (pushWait on a full ring, popWait on an empty one) runs alone; the other side
  // makes its one move (drains the ring / pushes a message) right after the waiting side's k-th
  // call into the core, for every k, or while it sleeps. Then it goes idle (it waits for the
  // first side). Whenever the waiting side sleeps, its doorbell must have been rung and the word
  // a futex sleeps on must have moved from the value it sleeps on: otherwise it would sleep its
  // whole timeout (the stall seen between VM workers under load).
  type Mode = 'sync' | 'async';

  /** ctx with a core that runs `after()` when the `k`-th call into it returns (k counted from arm()). */
  function steppedCore(k: number, after: () => void) {
    let calls = -Infinity;
    const core = Object.fromEntries(Object.entries(ctx.core).map(([name, f]) => [name, typeof f !== 'function' ? f : (...args: number[]) => {
      const result = (f as (...a: number[]) => number)(...args);
      if (++calls === k) after();
      return result;
    }])) as unknown as typeof ctx.core;
    return { context: { core, buffer: ctx.buffer }, arm: () => { calls = 0; } };
  }

  /** A doorbell for the waiting side: each sleep lets the other side move (if it has not yet), then checks it was woken. */
  function sleeper(other: { k: number; moved: boolean; move(): void; rings(): number }, wrong: string[]) {
    const sleep = (word: Int32Array, index: number, expected: number) => {
      if (!other.moved) other.move();
      if (other.rings() === 0) wrong.push(`slept with no doorbell coming (k=${other.k})`);
      if (Atomics.load(word, index) === expected) wrong.push(`a futex would sleep: word ${index} is still ${expected} (k=${other.k})`);
      return true;
    };
    return { ring() {}, wait: sleep, waitAsync: async (w: Int32Array, i: number, e: number) => sleep(w, i, e) } satisfies Doorbell;
  }

  async function producerWaits(k: number, mode: Mode, wrong: string[]) {
    formatMessageRing(ctx, REGION, 256);
    const cbell = countingDoorbell();
    const consumer = new MessageConsumer(ctx, { region: REGION, state: STATE_B, doorbell: cbell });
    const other = { k, moved: false, move() { other.moved = true; consumer.popBatch(); }, rings: () => cbell.rings };
    const { context, arm } = steppedCore(k, () => { if (!other.moved) other.move(); });
    const producer = new MessageProducer(context, { region: REGION, state: STATE_A, doorbell: sleeper(other, wrong) });
    while (producer.push(msg(40, 1)));
    arm();
    const pushed = mode === 'sync' ? producer.pushWait(msg(40, 2), { timeoutMs: 60_000 }) : await producer.pushAsync(msg(40, 2), { timeoutMs: 60_000 });
    expect(pushed).toBe(true);
    expect(other.moved).toBe(true);
  }

  async function consumerWaits(k: number, mode: Mode, wrong: string[]) {
    formatMessageRing(ctx, REGION, 256);
    const pbell = countingDoorbell();
    const producer = new MessageProducer(ctx, { region: REGION, state: STATE_A, doorbell: pbell });
    const other = { k, moved: false, move() { other.moved = true; producer.push(msg(40, 3)); }, rings: () => pbell.rings };
    const { context, arm } = steppedCore(k, () => { if (!other.moved) other.move(); });
    const consumer = new MessageConsumer(context, { region: REGION, state: STATE_B, doorbell: sleeper(other, wrong) });
    // Some traffic first, so that the indices are not at 0 and the padding path is taken.
    for (let i = 0; i < 5; i++) { producer.push(msg(40, i)); consumer.pop(); }
    arm();
    const got = mode === 'sync' ? consumer.popWait({ timeoutMs: 60_000 }) : await consumer.popAsync({ timeoutMs: 60_000 });
    expect(got).toEqual(msg(40, 3));
  }

  for (const mode of ['sync', 'async'] as const) {
    test(`${mode === 'sync' ? 'pushWait' : 'pushAsync'}: the consumer draining the full ring at any step`, async () => {
      const wrong: string[] = [];
      for (let k = 0; k <= 12; k++) await producerWaits(k, mode, wrong);
      expect(wrong).toEqual([]);
    });

    test(`${mode === 'sync' ? 'popWait' : 'popAsync'}: the producer pushing into the empty ring at any step`, async () => {
      const wrong: string[] = [];
      for (let k = 0; k <= 12; k++) await consumerWaits(k, mode, wrong);
      expect(wrong).toEqual([]);
    });
  }
});

describe('message ring: against a plain array model', () => {
  // The model is docs/rings.md's byte budget: a record takes 8 + len rounded up to 8; one that
  // does not fit before the end first pads to it. It predicts when the ring is full.
  type Op = { op: 'push'; len: number } | { op: 'batch'; lens: number[] } | { op: 'zc'; len: number; keep: number } | { op: 'pop' } | { op: 'popBatch'; max: number } | { op: 'read' };
  const len = fc.integer({ min: 0, max: 200 });
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('push' as const), len }),
    fc.record({ op: fc.constant('batch' as const), lens: fc.array(len, { maxLength: 6 }) }),
    fc.record({ op: fc.constant('zc' as const), len, keep: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.constant({ op: 'pop' as const }), fc.record({ op: fc.constant('popBatch' as const), max: fc.integer({ min: 1, max: 5 }) }), fc.constant({ op: 'read' as const }),
  );
  test('the ring pops what was pushed, in order, and is full exactly when the model says so', () => {
    fc.assert(fc.property(fc.constantFrom(256, 512), fc.integer({ min: 0, max: 0xffffffff }), fc.array(opArb, { maxLength: 120 }), (capacity, start, ops) => {
      const { producer, consumer } = ring(capacity, start - (start % 8));
      // What the model holds: records (messages and padding) between tail and head, in order.
      const records: ({ pad: number } | { m: Uint8Array })[] = [];
      let head = start - (start % 8); // the model's own indices (mod 2^32)
      let serial = 0;
      const record = (n: number) => 8 + ((n + 7) & ~7);
      const inFlight = () => records.reduce((sum, r) => sum + ('pad' in r ? r.pad : record(r.m.length)), 0);
      const fits = (n: number) => {
        const offset = head % capacity;
        const contiguous = capacity - offset;
        if (record(n) <= contiguous) return record(n) <= capacity - inFlight() ? 'yes' : 'no';
        if (contiguous > capacity - inFlight()) return 'no';
        records.push({ pad: contiguous }); // padding, published even if the message does not fit
        head = (head + contiguous) >>> 0;
        return record(n) <= capacity - inFlight() ? 'yes' : 'no';
      };
      const modelPush = (m: Uint8Array) => {
        if (fits(m.length) === 'no') return false;
        head = (head + record(m.length)) >>> 0;
        records.push({ m });
        return true;
      };
      const modelPop = () => {
        while (records.length && 'pad' in records[0]) records.shift();
        const r = records.shift();
        return r && 'm' in r ? r.m : null;
      };
      const queued = () => records.filter((r) => 'm' in r).length;
      for (const o of ops) {
        if (o.op === 'push') {
          const m = msg(o.len, serial++);
          expect(producer.push(m)).toBe(modelPush(m));
        } else if (o.op === 'batch') {
          const ms = o.lens.map((l) => msg(l, serial++));
          let n = 0;
          while (n < ms.length && modelPush(ms[n])) n++;
          expect(producer.pushBatch(ms)).toBe(n);
        } else if (o.op === 'zc') {
          const keep = Math.floor(o.len * o.keep);
          const m = msg(keep, serial++);
          const ok = fits(o.len) === 'yes';
          const view = producer.reserve(o.len);
          expect(view !== null).toBe(ok);
          if (view) {
            view.set(m);
            producer.commit(keep);
            producer.publish();
            head = (head + record(keep)) >>> 0;
            records.push({ m });
          }
        } else if (o.op === 'pop') {
          expect(consumer.pop()).toEqual(modelPop());
        } else if (o.op === 'popBatch') {
          const want: Uint8Array[] = [];
          while (want.length < o.max && queued()) want.push(modelPop()!);
          if (want.length < o.max) modelPop();
          expect(consumer.popBatch(o.max)).toEqual(want);
        } else {
          const into = new Uint8Array(256);
          const want = modelPop();
          const n = consumer.read(into);
          expect(n).toBe(want ? want.length : -1);
          if (want) expect(into.subarray(0, n)).toEqual(want);
          consumer.release();
        }
      }
      expect(producer.broken || consumer.broken).toBe(false);
    }), { numRuns: 300 });
  });
});

describe('message ring: a peer breaking the rules', () => {
  function expectBroken(side: MessageConsumer | MessageProducer, call: () => unknown, code: number) {
    expect(call).toThrow(RingBrokenError);
    expect(side.error).toBe(code);
    expect(side.violations).toBe(1);
    const before = ctx.bytes.slice(REGION.offset, REGION.offset + 4096);
    expect(call).toThrow(RingBrokenError);
    expect(Buffer.compare(before, ctx.bytes.slice(REGION.offset, REGION.offset + 4096))).toBe(0);
  }
  test('head more than capacity ahead of tail', () => {
    const { consumer } = ring(256);
    dv.setUint32(R.RING_H_HEAD, 260, true);
    expectBroken(consumer, () => consumer.pop(), R.E_RING_INDEX);
  });
  test('head behind tail', () => {
    const { producer, consumer } = ring(256);
    producer.push(msg(8, 1)); consumer.pop();
    dv.setUint32(R.RING_H_HEAD, 4, true);
    expectBroken(consumer, () => consumer.pop(), R.E_RING_INDEX);
  });
  test('head not a multiple of 8 past tail', () => {
    const { consumer } = ring(256);
    dv.setUint32(R.RING_H_HEAD, 4, true);
    expectBroken(consumer, () => consumer.pop(), R.E_RING_INDEX);
  });
  test('a record longer than what was published', () => {
    const { producer, consumer } = ring(256);
    producer.push(msg(8, 1));
    dv.setUint32(R.RING_DATA, 9, true);
    expectBroken(consumer, () => consumer.pop(), R.E_RING_RECORD);
  });
  test('a record running past the end of the data area', () => {
    const { consumer } = ring(256);
    dv.setUint32(R.RING_DATA, 0x7ffffff0, true);
    dv.setUint32(R.RING_H_HEAD, 256, true);
    expectBroken(consumer, () => consumer.pop(), R.E_RING_RECORD);
    // one that fits what was published but not before the end: it would be read past the data
    const again = ring(256);
    again.producer.push(msg(192, 1)); again.consumer.pop(); // tail at 200, 56 bytes before the end
    dv.setUint32(R.RING_DATA + 200, 80, true); // a record of 88 bytes
    dv.setUint32(R.RING_H_HEAD, 296, true);
    expectBroken(again.consumer, () => again.consumer.pop(), R.E_RING_RECORD);
  });
  test('padding at data + 0, or covering bytes not published', () => {
    const { consumer } = ring(256);
    dv.setUint32(R.RING_DATA, 0xffffffff, true);
    dv.setUint32(R.RING_H_HEAD, 256, true);
    expectBroken(consumer, () => consumer.pop(), R.E_RING_RECORD);
    const again = ring(256);
    again.producer.push(msg(8, 1)); again.consumer.pop(); // tail 16
    dv.setUint32(R.RING_DATA + 16, 0xffffffff, true);
    dv.setUint32(R.RING_H_HEAD, 16 + 16, true); // only 16 of the 240 padding bytes published
    expectBroken(again.consumer, () => again.consumer.pop(), R.E_RING_RECORD);
  });
  test('the producer: tail past head, or more than capacity behind', () => {
    const { producer } = ring(256);
    dv.setUint32(R.RING_H_TAIL, 8, true);
    expectBroken(producer, () => producer.push(msg(4, 1)), R.E_RING_INDEX);
  });
});

describe('message ring: random bytes over the ring while the other side runs, against the rules of docs/rings.md', () => {
  // The peer scribbles anywhere in the header and data area, or right on the words that matter;
  // after each scribble the victim makes its next call, and test/node/ring-rules.ts (written from
  // docs/rings.md alone) says what it must do: report a violation (with one of the codes the
  // broken rules have), or accept exactly the data the bytes hold. So every violation is reported
  // (never missed, never made up) and nothing else is read.
  const CAPACITY = 256;
  const hot = [R.RING_H_HEAD, R.RING_H_TAIL, R.RING_H_SPACE_EVENT, R.RING_H_DATA_EVENT, R.RING_DATA, R.RING_DATA + 64, R.RING_DATA + 128];
  const le32 = (x: number) => Uint8Array.of(x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24);
  const recordAt = fc.integer({ min: 0, max: CAPACITY / 8 - 1 }).map((k) => R.RING_DATA + 8 * k);
  const scribble = fc.oneof(
    fc.record({ at: fc.oneof(fc.integer({ min: 64, max: R.RING_DATA + CAPACITY - 1 }), fc.constantFrom(...hot)), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
    // plausible words: padding or a short length at a record boundary, an index a few records on
    fc.record({ at: recordAt, bytes: fc.oneof(fc.constant(le32(0xffffffff)), fc.integer({ min: 0, max: CAPACITY }).map(le32)) }),
    fc.record({ at: fc.constantFrom(R.RING_H_HEAD, R.RING_H_TAIL), bytes: fc.integer({ min: 0, max: 2 * CAPACITY }).map((x) => Uint8Array.of(x & 0xff)) }),
  );
  const step = fc.record({ lens: fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 3 }), scribbles: fc.array(scribble, { maxLength: 2 }) });
  const view = new DataView(ctx.buffer as SharedArrayBuffer, REGION.offset, R.RING_DATA + CAPACITY);
  const scribbleNow = (scribbles: { at: number; bytes: Uint8Array }[]) => {
    for (const w of scribbles) ctx.bytes.set(w.bytes.subarray(0, R.RING_DATA + CAPACITY - w.at), REGION.offset + w.at);
  };
  const peerDoes = (f: () => void) => { try { f(); } catch (e) { if (!(e instanceof RingBrokenError)) throw e; } };

  test('the consumer: every message it accepts is what the bytes hold; every bad index or record is reported with its code', () => {
    const seen = new Set<number>();
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.array(step, { maxLength: 30 }), (start, steps) => {
      const { producer, consumer } = ring(CAPACITY, (start & ~7) >>> 0);
      let tail = (start & ~7) >>> 0;
      let serial = 0;
      for (const { lens, scribbles } of steps) {
        peerDoes(() => { for (const len of lens) producer.push(msg(len, serial++)); });
        scribbleNow(scribbles);
        const want = nextMessage(view, CAPACITY, tail);
        if ('violations' in want) {
          expect(() => consumer.pop()).toThrow(RingBrokenError);
          expect(want.violations).toContain(consumer.error);
          expect(consumer.violations).toBe(1);
          seen.add(consumer.error);
          return;
        }
        expect(consumer.pop()).toEqual(want.ok.message);
        tail = want.ok.tail;
      }
      expect(consumer.broken).toBe(false);
    }), { numRuns: 500 });
    // the scribbles did reach both kinds of violation
    expect([...seen].sort()).toEqual([CODE.E_RING_INDEX, CODE.E_RING_RECORD]);
  });

  test('the producer: it writes exactly when the rules say there is room; a bad tail is reported with its code', () => {
    let brokenRuns = 0;
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.array(step, { maxLength: 30 }), (start, steps) => {
      const { producer, consumer } = ring(CAPACITY, (start & ~7) >>> 0);
      let head = (start & ~7) >>> 0;
      let serial = 0;
      for (const { lens, scribbles } of steps) {
        peerDoes(() => { consumer.popBatch(lens.length); });
        scribbleNow(scribbles);
        const len = lens[0] ?? 60;
        const want = reserve(view, CAPACITY, head, len);
        if ('violations' in want) {
          expect(() => producer.push(msg(len, serial))).toThrow(RingBrokenError);
          expect(want.violations).toContain(producer.error);
          expect(producer.violations).toBe(1);
          brokenRuns++;
          return;
        }
        expect(producer.push(msg(len, serial++))).toBe(want.ok.written);
        if (want.ok.head !== head) expect(view.getUint32(R.RING_H_HEAD, true), 'published: the record, and any padding before it').toBe(want.ok.head);
        head = want.ok.head;
      }
      expect(producer.broken).toBe(false);
    }), { numRuns: 500 });
    expect(brokenRuns).toBeGreaterThan(20);
  });
});
