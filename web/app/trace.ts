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
}

/**
 * The recorded trace: the last `capacity` events, appended once per frame. Appending costs what
 * arrived (the array is compacted only once it holds twice the capacity), and readers ask for
 * what came after an index they kept, so no frame goes over the whole history.
 */
export class TraceLog {
  private items: Placed[] = [];
  /** items before this index are forgotten */
  private start = 0;
  /** events appended since the log was created: the index the next one gets */
  total = 0;

  constructor(readonly capacity: number) {}

  get length(): number { return this.items.length - this.start; }
  /** the index of the oldest event kept */
  get first(): number { return this.total - this.length; }
  /** events forgotten to stay within the capacity */
  get forgotten(): number { return this.first; }

  append(fresh: Placed[]): void {
    for (const p of fresh) this.items.push(p);
    this.total += fresh.length;
    this.start = Math.max(this.start, this.items.length - this.capacity);
    if (this.start >= this.capacity) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
  }

  /** The events from index `from` on (from the oldest kept, if `from` is older). */
  since(from: number): Placed[] {
    return this.items.slice(this.start + Math.max(0, from - this.first));
  }

  /** The last `n` events. */
  last(n: number): Placed[] {
    return this.items.slice(Math.max(this.start, this.items.length - n));
  }
}
