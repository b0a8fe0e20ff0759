// An independent decoder, written from docs/rings.md alone: it imports nothing from the ring
// code (no src/ring, no assembly/ring-layout.ts; every offset below is the page's). It reads
// the page's worked examples, checks that the core produces exactly those bytes for the
// operations the page describes, and decodes rings the core wrote under random operations.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Host, VirtqueueDevice, VirtqueueDriver, MessageConsumer, MessageProducer, formatMessageRing, splitLayout } from '../../src/index.ts';
import { machineOf } from '../../src/host.ts';

// ---- the decoder (docs/rings.md) ----

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

interface Desc { addr: number; len: number; flags: number; next: number }
function decodeVirtqueue(b: Uint8Array, n: number, desc: number, avail: number, used: number) {
  const d = (table: number, i: number): Desc => ({ addr: u32(b, table + 16 * i) + u32(b, table + 16 * i + 4) * 2 ** 32, len: u32(b, table + 16 * i + 8), flags: u16(b, table + 16 * i + 12), next: u16(b, table + 16 * i + 14) });
  const chain = (head: number) => {
    let table = desc;
    let i = head;
    let first = d(desc, head);
    if (first.flags & 4) { table = first.addr; i = 0; first = d(table, 0); }
    const out: Desc[] = [first];
    while (out.at(-1)!.flags & 1) { i = out.at(-1)!.next; out.push(d(table, i)); if (out.length > n * 2) throw new Error('loop'); }
    return out.map(({ addr, len, flags }) => ({ addr, len, write: (flags & 2) !== 0 }));
  };
  return {
    desc: (i: number) => d(desc, i),
    avail: { flags: u16(b, avail), idx: u16(b, avail + 2), ring: Array.from({ length: n }, (_, i) => u16(b, avail + 4 + 2 * i)), usedEvent: u16(b, avail + 4 + 2 * n) },
    used: { flags: u16(b, used), idx: u16(b, used + 2), ring: Array.from({ length: n }, (_, i) => ({ id: u32(b, used + 4 + 8 * i), len: u32(b, used + 8 + 8 * i) })), availEvent: u16(b, used + 4 + 8 * n) },
    chain,
  };
}

function decodeMessageRing(b: Uint8Array) {
  const capacity = u32(b, 8);
  const head = u32(b, 64);
  const tail = u32(b, 128);
  const messages: Uint8Array[] = [];
  let at = tail;
  while (at !== head) {
    if (messages.length > capacity / 8) throw new Error(`records from tail ${tail} never meet head ${head}`);
    const offset = at % capacity;
    const len = u32(b, 192 + offset);
    if (len === 0xffffffff) { at = (at + capacity - offset) >>> 0; continue; }
    messages.push(b.slice(192 + offset + 8, 192 + offset + 8 + len));
    at = (at + 8 + ((len + 7) & ~7)) >>> 0;
  }
  return { magic: String.fromCharCode(b[0], b[1], b[2], b[3]), version: u32(b, 4), capacity, head, tail, spaceEvent: u32(b, 68), dataEvent: u32(b, 132), messages };
}

// ---- the page's dumps ----

const page = readFileSync(new URL('../../docs/rings.md', import.meta.url), 'utf8');
/** The hex dump code blocks of the page, as {offset: bytes} maps. */
const dumps = [...page.matchAll(/```\n((?:[0-9a-f]{4}:(?: [0-9a-f]{2})+\n)+)```/g)].map((m) => {
  const bytes = new Map<number, number>();
  for (const line of m[1].trim().split('\n')) {
    const [offset, rest] = line.split(':');
    rest.trim().split(' ').forEach((x, i) => bytes.set(parseInt(offset, 16) + i, parseInt(x, 16)));
  }
  return bytes;
});

const host = await Host.create({ memory: '16M' });
const context = { core: machineOf(host).core, buffer: machineOf(host).memory.buffer };
const state = () => machineOf(host).allocate(4096, 'ring state').offset;
const bytesOf = (region: { offset: number; size: number }) => new Uint8Array(machineOf(host).memory.buffer, region.offset, region.size);

describe('the decoder written from docs/rings.md', () => {
  test('the page has its two dumps', () => {
    expect(dumps).toHaveLength(2);
  });

  test('virtqueue: the core writes the page\'s bytes for the page\'s operations; the decoder reads them', () => {
    const region = machineOf(host).allocate(0x200, 'queue');
    bytesOf(region).fill(0);
    const driver = new VirtqueueDriver({ ...context, region, size: 4, eventIdx: true, state: state() });
    const device = new VirtqueueDevice({ ...context, region, size: 4, eventIdx: true, state: state() });
    expect(driver.add([{ addr: 0x100, len: 16 }], [{ addr: 0x180, len: 32 }])).toBe(0);
    expect(driver.publish()).toBe(true);
    expect(driver.add([{ addr: 0x120, len: 8 }])).toBe(2);
    expect(driver.publish()).toBe(false);
    driver.enableInterrupts();
    device.push(device.pop()!.head, 32);
    expect(device.publish()).toBe(true);
    const b = bytesOf(region);
    for (const [offset, value] of dumps[0]) expect(b[offset], `byte 0x${offset.toString(16)}`).toBe(value);
    const q = decodeVirtqueue(b, 4, 0x00, 0x40, 0x50);
    expect(q.avail).toEqual({ flags: 0, idx: 2, ring: [0, 2, 0, 0], usedEvent: 0 });
    expect(q.used.idx).toBe(1);
    expect(q.used.ring[0]).toEqual({ id: 0, len: 32 });
    expect(q.used.availEvent).toBe(1);
    expect(q.chain(0)).toEqual([{ addr: 0x100, len: 16, write: false }, { addr: 0x180, len: 32, write: true }]);
    expect(q.chain(2)).toEqual([{ addr: 0x120, len: 8, write: false }]);
  });

  test('message ring: the core writes the page\'s bytes for the page\'s operations; the decoder reads them', () => {
    const region = machineOf(host).allocate(4096, 'ring');
    bytesOf(region).fill(0);
    formatMessageRing(context, region, 64);
    const tx = new MessageProducer(context, { region, state: state() });
    const rx = new MessageConsumer(context, { region, state: state() });
    tx.push(new TextEncoder().encode('hello'));
    tx.push(Uint8Array.from({ length: 30 }, (_, i) => i));
    rx.pop();
    rx.pop();
    expect(rx.wait({ timeoutMs: 0 })).toBe(false);
    tx.push(new Uint8Array(20).fill(0xee));
    expect(tx.notifies).toBe(1);
    const b = bytesOf(region);
    for (const [offset, value] of dumps[1]) expect(b[offset], `byte 0x${offset.toString(16)}`).toBe(value);
    const r = decodeMessageRing(b);
    expect(r).toMatchObject({ magic: 'RING', version: 2, capacity: 64, head: 96, tail: 56, dataEvent: 56, spaceEvent: 0xffffffff });
    expect(r.messages).toEqual([new Uint8Array(20).fill(0xee)]);
  });

  test('message ring: after random pushes and pops by the core, the decoder sees exactly the messages in flight', () => {
    const region = machineOf(host).allocate(4096, 'ring');
    const sA = state();
    const sB = state();
    fc.assert(fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(-1)), { maxLength: 80 }), (ops) => {
      formatMessageRing(context, region, 1024);
      const tx = new MessageProducer(context, { region, state: sA });
      const rx = new MessageConsumer(context, { region, state: sB });
      const inFlight: Uint8Array[] = [];
      let serial = 0;
      for (const op of ops) {
        if (op < 0) { if (rx.pop()) inFlight.shift(); continue; }
        const m = Uint8Array.from({ length: op }, (_, i) => (serial + i) & 0xff);
        serial++;
        if (tx.push(m)) inFlight.push(m);
      }
      expect(decodeMessageRing(bytesOf(region)).messages).toEqual(inFlight);
    }), { numRuns: 200 });
  });

  test('virtqueue: after random adds (direct and indirect) by the core, the decoder walks the same chains', () => {
    const region = machineOf(host).allocate(0x10000, 'queue');
    const sA = state();
    const buffer = fc.record({ addr: fc.integer({ min: 0x1000, max: 0x8000 }), len: fc.integer({ min: 1, max: 0x100 }) });
    fc.assert(fc.property(fc.array(fc.record({ out: fc.array(buffer, { minLength: 1, maxLength: 3 }), in: fc.array(buffer, { maxLength: 3 }), indirect: fc.boolean() }), { maxLength: 8 }), (chains) => {
      const layout = splitLayout(8, 0);
      const driver = new VirtqueueDriver({ ...context, region, size: 8, state: sA });
      const heads: number[] = [];
      const added: typeof chains = [];
      for (const [k, c] of chains.entries()) {
        const head = driver.add(c.out, c.in, c.indirect ? { indirect: 0x9000 + k * 0x100 } : {});
        if (head === null) break;
        heads.push(head);
        added.push(c);
      }
      driver.publish();
      const q = decodeVirtqueue(bytesOf(region), 8, layout.desc, layout.avail, layout.used);
      expect(q.avail.idx).toBe(added.length);
      expect(q.avail.ring.slice(0, added.length)).toEqual(heads);
      for (const [k, c] of added.entries()) {
        expect(q.chain(heads[k])).toEqual([...c.out.map((b) => ({ ...b, write: false })), ...c.in.map((b) => ({ ...b, write: true }))]);
      }
    }), { numRuns: 200 });
  });
});
