// The protocol timeline's events come from the core's trace ring (src/trace/, host.trace): every
// thread writes its own ring in shared memory (doorbells, deliveries, pending bits, mask changes,
// resets, SDM signals) and the host adds the server's messages; the page drains them once per
// frame into a TraceLog. Each event is placed (given its columns) once, when it arrives: placing
// depends on which VM owns a thread now, and a thread number is reused by the next VM.
import type { Host, TraceEvent } from '../../src/index.ts';
import type { Place } from './columns.ts';

export type { TraceEvent, TraceKind } from '../../src/index.ts';

export interface TraceSource {
  drain(): TraceEvent[];
  readonly dropped: number;
}

/** Starts the host's trace and returns it. */
export function traceSource(host: Host): TraceSource {
  host.trace.start();
  return host.trace;
}

export interface Placed {
  event: TraceEvent;
  /** where the pictures draw it; undefined when there is no column for it */
  place: Place | undefined;
  /** its place in the whole trace (0 the first event recorded), given when it is appended */
  index?: number;
}

/**
 * The recorded trace: its first `headSize` events (the server's handshakes, the SDM boots: how it
 * all began) kept whatever happens, then the last `capacity` events. Appending costs what arrived
 * (the array is compacted only once it holds twice the capacity); readers ask for what came after
 * an index they kept, so no frame goes over the whole history.
 */
export class TraceLog {
  private readonly head: Placed[] = [];
  private items: Placed[] = [];
  /** items before this index are forgotten */
  private start = 0;
  /** events appended since the log was created: the index the next one gets */
  total = 0;

  constructor(public capacity: number, readonly headSize = 1000) {}

  /** events kept */
  get length(): number { return this.head.length + this.items.length - this.start; }
  /** the index of the oldest event kept after the head */
  get firstTail(): number { return this.total - (this.items.length - this.start); }
  /** events forgotten (between the head and the tail) to stay within the capacity */
  get forgotten(): number { return this.firstTail - this.head.length; }

  append(fresh: Placed[]): void {
    for (const p of fresh) {
      p.index = this.total++;
      if (this.head.length < this.headSize) this.head.push(p);
      else this.items.push(p);
    }
    this.trim();
  }

  /** A new capacity: the oldest events past it are forgotten at once. */
  setCapacity(capacity: number): void {
    this.capacity = capacity;
    this.trim();
  }

  private trim(): void {
    this.start = Math.max(this.start, this.items.length - this.capacity);
    if (this.start >= this.capacity) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
  }

  /** The events kept from index `from` on, in order (the head's, then the tail's). */
  since(from: number): Placed[] {
    const head = from < this.head.length ? this.head.slice(Math.max(0, from)) : [];
    return head.concat(this.items.slice(this.start + Math.max(0, from - this.firstTail)));
  }

  /** The last `n` events. */
  last(n: number): Placed[] {
    const tail = this.items.length - this.start;
    if (n <= tail) return this.items.slice(this.items.length - n);
    return this.head.slice(Math.max(0, this.head.length - (n - tail))).concat(this.items.slice(this.start));
  }

  /** The time of the first event recorded: the trace's zero. */
  get origin(): number | undefined {
    return this.head[0]?.event.time;
  }
}
