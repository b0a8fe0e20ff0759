// The workbench's trace log (web/app/trace.ts): appended once per frame, bounded, read by index
// so that no frame goes over the whole history; its first events (how it all began: the handshakes,
// the SDM boots) are kept whatever the capacity.
import { describe, expect, test } from 'vitest';
import { TraceLog, type Placed } from '../../web/app/trace.ts';

const events = (from: number, n: number): Placed[] => Array.from({ length: n }, (_, i) => ({
  event: { time: from + i, thread: 0, kind: 'doorbell', device: 1, peer: 2, vector: 0, value: from + i },
  place: { from: 'vm:1', to: 'vm:2' },
}));
const values = (items: Placed[]) => items.map((p) => p.event.value);

describe('TraceLog', () => {
  test('keeps the last `capacity` events; since(i) gives what came from index i on', () => {
    const log = new TraceLog(5, 0);
    log.append(events(0, 3));
    expect([log.length, log.total, log.firstTail]).toEqual([3, 3, 0]);
    const seen = log.total;
    log.append(events(3, 4));
    expect(values(log.since(seen))).toEqual([3, 4, 5, 6]);
    expect([log.length, log.total, log.firstTail, log.forgotten]).toEqual([5, 7, 2, 2]);
    expect(values(log.since(0))).toEqual([2, 3, 4, 5, 6]);
    expect(values(log.last(2))).toEqual([5, 6]);
    expect(log.since(log.total)).toEqual([]);
  });

  test('many appends: stays within its capacity, in order, however often it compacts', () => {
    const log = new TraceLog(100, 0);
    let next = 0;
    for (let frame = 0; frame < 500; frame++) {
      const n = frame % 37;
      log.append(events(next, n));
      next += n;
      expect(log.length).toBe(Math.min(100, next));
      expect(log.total).toBe(next);
    }
    expect(values(log.since(0))).toEqual(Array.from({ length: 100 }, (_, i) => next - 100 + i));
    expect(values(log.since(next - 10))).toEqual(Array.from({ length: 10 }, (_, i) => next - 10 + i));
  });

  test('the first headSize events stay, the last capacity after them; each event knows its index', () => {
    const log = new TraceLog(3, 2);
    log.append(events(0, 4));
    log.append(events(4, 6));
    expect(values(log.since(0))).toEqual([0, 1, 7, 8, 9]);
    expect(log.since(0).map((p) => p.index)).toEqual([0, 1, 7, 8, 9]);
    expect([log.length, log.total, log.firstTail, log.forgotten, log.origin]).toEqual([5, 10, 7, 5, 0]);
    // from an index that was forgotten: what is kept from there on
    expect(values(log.since(4))).toEqual([7, 8, 9]);
    expect(values(log.since(1))).toEqual([1, 7, 8, 9]);
    expect(values(log.last(4))).toEqual([1, 7, 8, 9]);
    log.setCapacity(1);
    expect(values(log.since(0))).toEqual([0, 1, 9]);
    expect(log.forgotten).toBe(7);
  });
});
