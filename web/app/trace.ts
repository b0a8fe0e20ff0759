// The protocol timeline's events. The type is the core's trace ring's (src/trace/, the "perf"
// work); until the core records them itself, WorkbenchTrace builds the same events from what the
// page can see: the server's log, the doorbells and mask changes each VM's runner records in its
// control block, and the devices' delivered counters and PBA bits read from shared memory.
// traceSource() takes the core's ring when the host has one, and this adapter otherwise.
import type { Host, Server } from '../../src/index.ts';
import { EVENTS_AT, EVENT_FIELDS, EVENT_SLOTS, EventKind, WORD_EVENTS } from '../guest/control.ts';
import type { VmEntry } from './vm-entry.ts';

export type TraceKind = 'doorbell' | 'deliver' | 'pending' | 'mask' | 'unmask' | 'reset' | 'lost' | 'dropped' | 'server' | 'ring-push' | 'ring-pop';

export interface TraceEvent {
  /** ms, one clock for all threads */
  time: number;
  thread: number;
  kind: TraceKind;
  /** IVPosition of the device concerned, or -1 */
  device: number;
  peer: number;
  vector: number;
  value: number;
  text?: string;
}

export interface TraceSource {
  drain(): TraceEvent[];
  readonly dropped: number;
}

const KINDS: Record<number, TraceKind> = {
  [EventKind.Doorbell]: 'doorbell', [EventKind.Mask]: 'mask', [EventKind.Unmask]: 'unmask', [EventKind.Reset]: 'reset',
};

interface Seen { delivered: number[]; pending: boolean[]; lost: number; dropped: number }

export class WorkbenchTrace implements TraceSource {
  dropped = 0;
  private serverSeq = 0;
  private readonly seen = new WeakMap<VmEntry, Seen>();

  constructor(private readonly server: Server, private readonly vms: () => VmEntry[]) {
    this.serverSeq = server.log.at(-1)?.seq ?? 0;
  }

  drain(): TraceEvent[] {
    const now = performance.now();
    const events: TraceEvent[] = [];
    for (const entry of this.server.log) {
      if (entry.seq <= this.serverSeq) continue;
      this.serverSeq = entry.seq;
      events.push({
        time: now, thread: 0, kind: 'server', device: entry.peer, peer: -1, vector: -1,
        value: entry.message ? Number(entry.message.value) : -1,
        text: entry.meaning ? `${entry.text}  (${entry.meaning})` : entry.text,
      });
    }
    this.vms().forEach((vm, index) => this.drainVm(vm, index + 1, now, events));
    return events.sort((a, b) => a.time - b.time);
  }

  private drainVm(entry: VmEntry, thread: number, now: number, events: TraceEvent[]): void {
    const { words, floats } = entry.control;
    const written = Atomics.load(words, WORD_EVENTS);
    const from = Math.max(entry.eventsRead, written - EVENT_SLOTS);
    this.dropped += from - entry.eventsRead;
    const origin = performance.timeOrigin;
    const id = entry.id;
    for (let n = from; n < written; n++) {
      const at = EVENTS_AT + (n % EVENT_SLOTS) * EVENT_FIELDS;
      const kind = KINDS[floats[at + 1]];
      if (kind) events.push({ time: floats[at] - origin, thread, kind, device: id, peer: floats[at + 2], vector: floats[at + 3], value: 1 });
    }
    entry.eventsRead = written;
    if (entry.ended.value) return;
    const c = entry.vm.counters;
    const last = this.seen.get(entry);
    this.seen.set(entry, { delivered: c.delivered, pending: c.pending, lost: c.lost, dropped: c.dropped });
    if (!last) return;
    c.delivered.forEach((count, vector) => {
      if (count > last.delivered[vector]) events.push({ time: now, thread, kind: 'deliver', device: id, peer: -1, vector, value: count - last.delivered[vector] });
    });
    c.pending.forEach((on, vector) => {
      if (on && !last.pending[vector]) events.push({ time: now, thread, kind: 'pending', device: id, peer: -1, vector, value: 1 });
    });
    if (c.lost > last.lost) events.push({ time: now, thread, kind: 'lost', device: id, peer: -1, vector: -1, value: c.lost - last.lost });
    if (c.dropped > last.dropped) events.push({ time: now, thread, kind: 'dropped', device: id, peer: -1, vector: -1, value: c.dropped - last.dropped });
  }
}

/** The core's trace ring when the host has one, else the adapter. */
export function traceSource(host: Host, server: Server, vms: () => VmEntry[]): TraceSource {
  const core = (host as unknown as { trace?: TraceSource & { start(): void } }).trace;
  if (core && typeof core.drain === 'function') {
    core.start();
    return core;
  }
  return new WorkbenchTrace(server, vms);
}
