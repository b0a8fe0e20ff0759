// host.trace: start and stop the trace, and drain what every thread recorded, merged in time
// order. Each thread (0 = the host, then one per VM worker) has its own ring in the shared memory,
// allocated when tracing starts (or when the thread starts while tracing); the core writes the
// device's events there, and this writes the server's messages into the host thread's ring.
import * as L from '../../assembly/layout.ts';
import type { CoreExports } from '../core/core.ts';
import { QemuError } from '../errors.ts';
import type { Region } from '../memory/region-allocator.ts';
import type { ServerMessage } from '../server/protocol.ts';
import { MSG_EVENT_FD, MSG_INIT, MSG_PEER_GONE, messageHeader } from '../server/ivshmem2-protocol.ts';
import { decodeEvent, type TraceEvent } from './event.ts';

export interface TraceHost {
  memory: WebAssembly.Memory;
  core: CoreExports;
  allocate(size: number, what: string): Region;
  release(region: Region): void;
}

export class Tracer {
  private readonly rings = new Map<number, Region | undefined>([[0, undefined]]);
  private readonly freeThreads: number[] = [];
  private nextThread = 1;
  /** events of threads that ended, kept for the next drain */
  private held: TraceEvent[] = [];
  private droppedByEnded = 0;
  private readonly words: Int32Array;
  private readonly view: DataView;
  /** per recipient: how many value-only messages it got (version, then ID, then departures) */
  private readonly plainSeen = new Map<number, number>();
  /** per recipient and owner: eventfds received so far, i.e. the next one's vector */
  private readonly eventfdsSeen = new Map<string, number>();

  /** @internal the host's trace (host.trace) */
  constructor(private readonly host: TraceHost) {
    this.words = new Int32Array(host.memory.buffer);
    this.view = new DataView(host.memory.buffer);
  }

  get enabled(): boolean {
    return Atomics.load(this.words, L.TRACE_ON / 4) !== 0;
  }

  /** Events lost because a thread's ring was full when they happened (drain more often). */
  get dropped(): number {
    let total = this.droppedByEnded;
    for (const ring of this.rings.values()) if (ring) total += Atomics.load(this.words, (ring.offset + L.TRACE_DROPPED) / 4);
    return total;
  }

  /** Starts recording on every thread (each gets its ring now if it has none). */
  start(): void {
    for (const thread of this.rings.keys()) this.allocateRing(thread, true);
    Atomics.store(this.words, L.TRACE_ON / 4, 1);
  }

  stop(): void {
    Atomics.store(this.words, L.TRACE_ON / 4, 0);
  }

  /** The events recorded since the last drain, from every thread, oldest first. */
  drain(): TraceEvent[] {
    const events = this.held;
    this.held = [];
    for (const [thread, ring] of this.rings) if (ring) this.drainRing(thread, ring, events);
    return events.sort((a, b) => a.time - b.time);
  }

  /** @internal A new thread (a VM worker): its number in the trace. */
  openThread(): number {
    const thread = this.freeThreads.pop() ?? this.nextThread++;
    if (thread >= L.TRACE_THREADS_MAX) throw new QemuError(`trace: more than ${L.TRACE_THREADS_MAX - 1} VM threads at once`);
    this.rings.set(thread, undefined);
    if (this.enabled) this.allocateRing(thread, false);
    return thread;
  }

  /** @internal The thread is gone: its last events are kept for the next drain, its ring freed. */
  closeThread(thread: number): void {
    if (thread === 0 || !this.rings.has(thread)) return;
    const ring = this.rings.get(thread);
    this.rings.delete(thread);
    this.freeThreads.push(thread);
    if (!ring) return;
    Atomics.store(this.words, L.TRACE_DIR / 4 + thread, 0);
    this.drainRing(thread, ring, this.held);
    this.droppedByEnded += Atomics.load(this.words, (ring.offset + L.TRACE_DROPPED) / 4);
    this.host.release(ring);
  }

  /** @internal The server sent `message` to client `to` (written into the host thread's ring). */
  server(to: number, message: ServerMessage): void {
    if (!this.enabled) return;
    const value = Number(BigInt.asIntN(32, message.value));
    const emit = (sub: number, peer: number, vector: number, v: number) =>
      this.host.core.traceEmit(L.TRACE_SERVER | (sub << 8), to, peer, vector, v);
    const header = message.bytes && messageHeader(message.bytes);
    if (header) {
      // an ivshmem2-server's message says what it is
      const word = (at: number) => (header.view.byteLength >= at + 4 ? header.view.getUint32(at, true) : -1);
      if (header.type === MSG_INIT) return emit(L.TRACE_SERVER_INIT, -1, -1, word(16));
      if (header.type === MSG_EVENT_FD) return emit(L.TRACE_SERVER_EVENTFD, word(8), word(12), word(8));
      if (header.type === MSG_PEER_GONE) return emit(L.TRACE_SERVER_GONE, word(8), -1, word(8));
    }
    const handle = message.handle;
    if (handle?.kind === 'memory') return emit(L.TRACE_SERVER_SHM, -1, -1, handle.size);
    if (handle?.kind === 'eventfd') {
      const key = `${to}:${value}`;
      const vector = this.eventfdsSeen.get(key) ?? 0;
      this.eventfdsSeen.set(key, vector + 1);
      return emit(L.TRACE_SERVER_EVENTFD, value, vector, value);
    }
    const seen = this.plainSeen.get(to) ?? 0;
    this.plainSeen.set(to, seen + 1);
    if (seen === 0) return emit(L.TRACE_SERVER_VERSION, -1, -1, value);
    if (seen === 1) return emit(L.TRACE_SERVER_ID, -1, -1, value);
    // A departure: the departed's own counts start again if its ID comes back.
    this.eventfdsSeen.delete(`${to}:${value}`);
    this.plainSeen.delete(value);
    for (const key of this.eventfdsSeen.keys()) if (key.startsWith(`${value}:`)) this.eventfdsSeen.delete(key);
    emit(L.TRACE_SERVER_GONE, value, -1, value);
  }

  private allocateRing(thread: number, strict: boolean): void {
    if (this.rings.get(thread)) return;
    let ring: Region;
    try {
      ring = this.host.allocate(L.TRACE_RING_SIZE, 'trace ring');
    } catch (error) {
      // A VM starting while tracing on a full memory runs untraced rather than not at all.
      if (strict) throw new QemuError(`trace: no room for a ${L.TRACE_RING_SIZE >> 10} KiB trace ring per thread: ${(error as Error).message}`);
      return;
    }
    this.rings.set(thread, ring);
    Atomics.store(this.words, L.TRACE_DIR / 4 + thread, ring.offset);
  }

  private drainRing(thread: number, ring: Region, into: TraceEvent[]): void {
    const base = ring.offset;
    const read = Atomics.load(this.words, (base + L.TRACE_READ) / 4);
    const write = Atomics.load(this.words, (base + L.TRACE_WRITE) / 4);
    for (let i = read; i !== write; i = (i + 1) | 0) {
      const at = base + L.TRACE_ENTRIES_AT + (i & (L.TRACE_CAPACITY - 1)) * L.TRACE_ENTRY_SIZE;
      into.push(decodeEvent(this.view, at, thread));
    }
    Atomics.store(this.words, (base + L.TRACE_READ) / 4, write);
  }
}
