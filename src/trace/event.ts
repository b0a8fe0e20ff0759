// A trace event as the app sees it, decoded from a thread's trace ring (assembly/trace.ts draws
// the ring and writes the core's events; src/trace/tracer.ts drains them).
import * as L from '../../assembly/layout.ts';
import { formatSize } from '../options/size.ts';

export type TraceKind =
  | 'doorbell' | 'deliver' | 'pending' | 'mask' | 'unmask' | 'reset' | 'lost' | 'dropped' | 'server'
  | 'ring-push' | 'ring-pop';

export interface TraceEvent {
  /** ms on one clock shared by all threads: performance.timeOrigin + performance.now() */
  time: number;
  /** 0 the host thread, else a VM's worker (Vm.thread) */
  thread: number;
  kind: TraceKind;
  /** the device's IVPosition (peer ID), or -1 */
  device: number;
  /** the other end: a doorbell's destination, a delivery's source if known, or -1 */
  peer: number;
  /** the vector; -1 for the function mask (mask/unmask) or when none applies */
  vector: number;
  value: number;
  /** for server messages: 'version 0', 'ID 3', 'shm 1M', 'eventfd 2/1' (peer 2, vector 1), 'peer 2 gone' */
  text?: string;
}

const KINDS: Record<number, TraceKind> = {
  [L.TRACE_DOORBELL]: 'doorbell',
  [L.TRACE_DELIVER]: 'deliver',
  [L.TRACE_PENDING]: 'pending',
  [L.TRACE_MASK]: 'mask',
  [L.TRACE_UNMASK]: 'unmask',
  [L.TRACE_RESET]: 'reset',
  [L.TRACE_LOST]: 'lost',
  [L.TRACE_DROPPED_EVENT]: 'dropped',
  [L.TRACE_SERVER]: 'server',
  [L.TRACE_RING_PUSH]: 'ring-push',
  [L.TRACE_RING_POP]: 'ring-pop',
};

function serverText(sub: number, peer: number, vector: number, value: number): string {
  switch (sub) {
    case L.TRACE_SERVER_VERSION: return `version ${value}`;
    case L.TRACE_SERVER_ID: return `ID ${value}`;
    case L.TRACE_SERVER_SHM: return `shm ${formatSize(value >>> 0)}`;
    case L.TRACE_SERVER_EVENTFD: return `eventfd ${peer}/${vector}`;
    case L.TRACE_SERVER_GONE: return `peer ${peer} gone`;
    default: return `message ${value}`;
  }
}

/** Decodes the entry at byte `at` of the shared memory, written by `thread`. */
export function decodeEvent(view: DataView, at: number, thread: number): TraceEvent {
  const word = view.getInt32(at + L.TRACE_KIND, true);
  const kind = KINDS[word & 0xff] ?? 'dropped';
  const event: TraceEvent = {
    time: view.getFloat64(at + L.TRACE_TIME, true),
    thread,
    kind,
    device: view.getInt32(at + L.TRACE_DEVICE, true),
    peer: view.getInt32(at + L.TRACE_PEER, true),
    vector: view.getInt32(at + L.TRACE_VECTOR, true),
    value: view.getInt32(at + L.TRACE_VALUE, true),
  };
  if (kind === 'server') event.text = serverText(word >> 8, event.peer, event.vector, event.value);
  return event;
}
