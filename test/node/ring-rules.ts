// What a ring side must make of the bytes in front of it, by docs/rings.md's rules alone: this
// file imports nothing from the ring code, and takes the error codes from the page's table. Each
// function returns either the data the side may accept, or the violations it must report (the
// rules that the first offending step breaks: the side reports one of them). The hostile-peer
// tests hold the core to it after every scribble: a violation reported exactly when one is there,
// with its documented code, and otherwise exactly the data the rules say.
import { readFileSync } from 'node:fs';

const page = readFileSync(new URL('../../docs/rings.md', import.meta.url), 'utf8');
/** The codes of the page's table, by name: `| 21 | \`E_RING_INDEX\` | ...`. */
export const CODE: Record<string, number> = Object.fromEntries([...page.matchAll(/^\| (\d+) \| `(E_\w+)` \|/gm)].map((m) => [m[2], Number(m[1])]));

export type Verdict<T> = { ok: T } | { violations: number[] };

const u16 = (b: DataView, o: number) => b.getUint16(o, true);
const u32 = (b: DataView, o: number) => b.getUint32(o, true);
// (arithmetic, not bitwise: a hostile length near 2^32 must not wrap)
const record = (len: number) => 8 + Math.ceil(len / 8) * 8;

// ---- the SPSC message ring: v is a view of the ring from its header

/** The consumer at private index `tail` looks for the next message. */
export function nextMessage(v: DataView, capacity: number, tail: number): Verdict<{ message: Uint8Array | null; tail: number }> {
  const head = u32(v, 64);
  let avail = (head - tail) >>> 0;
  if (avail > capacity || avail % 8 !== 0) return { violations: [CODE.E_RING_INDEX] };
  if (avail === 0) return { ok: { message: null, tail } };
  let offset = tail % capacity;
  let len = u32(v, 192 + offset);
  if (len === 0xffffffff) {
    // padding: never at data + 0, never over bytes not published
    if (offset === 0 || capacity - offset > avail) return { violations: [CODE.E_RING_RECORD] };
    tail = (tail + capacity - offset) >>> 0;
    avail -= capacity - offset;
    if (avail === 0) return { ok: { message: null, tail } };
    offset = 0;
    len = u32(v, 192);
  }
  if (offset + record(len) > capacity || record(len) > avail) return { violations: [CODE.E_RING_RECORD] };
  return { ok: { message: new Uint8Array(v.buffer, v.byteOffset + 192 + offset + 8, len).slice(), tail: (tail + record(len)) >>> 0 } };
}

/** The producer at private index `head` tries to write a message of `len` bytes. */
export function reserve(v: DataView, capacity: number, head: number, len: number): Verdict<{ written: boolean; head: number }> {
  const tail = u32(v, 128);
  const used = (head - tail) >>> 0;
  if (used > capacity || used % 8 !== 0) return { violations: [CODE.E_RING_INDEX] };
  let free = capacity - used;
  const contiguous = capacity - (head % capacity);
  if (record(len) > contiguous) {
    if (free < contiguous) return { ok: { written: false, head } };
    head = (head + contiguous) >>> 0; // the padding
    free -= contiguous;
  }
  if (record(len) > free) return { ok: { written: false, head } };
  return { ok: { written: true, head: (head + record(len)) >>> 0 } };
}

// ---- the split virtqueue: v is a view of the whole region (guest physical address 0)

export interface QueueAt { size: number; desc: number; avail: number; used: number }
export interface Buffer { addr: number; len: number }

/** The device, having popped `last` chains, pops the next one. */
export function popChain(v: DataView, q: QueueAt, last: number): Verdict<{ head: number; out: Buffer[]; in: Buffer[] } | null> {
  const n = q.size;
  const pending = (u16(v, q.avail + 2) - last) & 0xffff;
  if (pending === 0) return { ok: null };
  if (pending > n) return { violations: [CODE.E_AVAIL_IDX] };
  const head = u16(v, q.avail + 4 + 2 * (last % n));
  if (head >= n) return { violations: [CODE.E_HEAD] };
  const inRegion = (addr: bigint, len: number) => addr + BigInt(len) <= BigInt(v.byteLength);
  const desc = (table: number, i: number) => ({ addr: v.getBigUint64(table + 16 * i, true), len: u32(v, table + 16 * i + 8), flags: u16(v, table + 16 * i + 12), next: u16(v, table + 16 * i + 14) });
  let table = q.desc;
  let max = n;
  let d = desc(table, head);
  if (d.flags & 4) {
    const broken: number[] = [];
    if (d.flags & 1 || d.len === 0 || d.len % 16 !== 0 || d.len / 16 > n) broken.push(CODE.E_INDIRECT);
    if (!inRegion(d.addr, d.len)) broken.push(CODE.E_DESC_RANGE);
    if (broken.length) return { violations: broken };
    table = Number(d.addr);
    max = d.len / 16;
    d = desc(table, 0);
  }
  const out: Buffer[] = [];
  const into: Buffer[] = [];
  for (;;) {
    const broken: number[] = [];
    if (d.flags & 4) broken.push(CODE.E_INDIRECT); // nested, or after the head
    if (d.len === 0) broken.push(CODE.E_DESC_LEN);
    if (!inRegion(d.addr, d.len)) broken.push(CODE.E_DESC_RANGE);
    if (out.length + into.length >= max) broken.push(CODE.E_LOOP);
    const writable = (d.flags & 2) !== 0;
    if (!writable && into.length) broken.push(CODE.E_ORDER);
    if (broken.length) return { violations: broken };
    (writable ? into : out).push({ addr: Number(d.addr), len: d.len });
    if (!(d.flags & 1)) return { ok: { head, out, in: into } };
    if (d.next >= max) return { violations: [CODE.E_NEXT] };
    d = desc(table, d.next);
  }
}

/** The driver, with `inFlight` (head -> writable bytes) published and `last` used chains taken, takes the next one. */
export function takeUsed(v: DataView, q: QueueAt, last: number, inFlight: ReadonlyMap<number, number>): Verdict<{ head: number; len: number } | null> {
  const ready = (u16(v, q.used + 2) - last) & 0xffff;
  if (ready === 0) return { ok: null };
  if (ready > inFlight.size) return { violations: [CODE.E_USED_IDX] };
  const at = q.used + 4 + 8 * (last % q.size);
  const id = u32(v, at);
  const len = u32(v, at + 4);
  if (!inFlight.has(id)) return { violations: [CODE.E_USED_ID] };
  if (len > inFlight.get(id)!) return { violations: [CODE.E_USED_LEN] };
  return { ok: { head: id, len } };
}
