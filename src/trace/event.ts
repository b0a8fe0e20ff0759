// A trace event as the app sees it, decoded from a thread's trace ring (assembly/trace-layout.ts
// draws the ring, assembly/trace.ts writes the core's events; src/trace/tracer.ts drains them).
import * as L from '../../assembly/layout.ts';
import { formatSize } from '../options/size.ts';

// Why virtio-sdm refused a signal: the names of the core's SDM_REJECT_* reasons, in the counters
// (device.sdm.counters.rejected) and in sdm-reject events.
export type RejectReason = 'type' | 'range' | 'slave-to-slave' | 'beyond-max' | 'absent' | 'buffer';

export const REJECT_REASONS: Record<RejectReason, number> = {
  type: L.SDM_REJECT_TYPE,
  range: L.SDM_REJECT_RANGE,
  'slave-to-slave': L.SDM_REJECT_SLAVE_TO_SLAVE,
  'beyond-max': L.SDM_REJECT_BEYOND_MAX,
  absent: L.SDM_REJECT_ABSENT,
  buffer: L.SDM_REJECT_BUFFER,
};

export type TraceKind =
  | 'doorbell' | 'deliver' | 'pending' | 'mask' | 'unmask' | 'reset' | 'lost' | 'dropped' | 'server'
  | 'ring-push' | 'ring-pop' | 'sdm-send' | 'sdm-deliver' | 'sdm-boot' | 'sdm-reject';

export interface TraceEvent {
  /** ms on one clock shared by all threads: performance.timeOrigin + performance.now() */
  time: number;
  /** 0 the host thread, else a VM's worker (Vm.thread) */
  thread: number;
  kind: TraceKind;
  /** the device's IVPosition (peer ID), or -1; for sdm-* events its SDM id (0 the master) */
  device: number;
  /**
   * the other end: a doorbell's destination, a delivery's source if known, or -1; for sdm-*
   * events the other end's SDM id (a send's destination, a delivery's or boot's sender)
   */
  peer: number;
  /** the vector; -1 for the function mask (mask/unmask) or when none applies; sdm-*: the signal type or reject reason */
  vector: number;
  value: number;
  /**
   * for server messages: 'version 0', 'ID 3', 'shm 1M', 'eventfd 2/1' (peer 2, vector 1), 'peer 2 gone',
   * and an ivshmem2-server's 'INIT, ID 3';
   * for sdm-* events: 'SDM_IRQ' or 'SDM_BOOT', or the reject reason
   */
  text?: string;
  /** sdm-send, sdm-deliver, sdm-boot: the signal's payload[2] */
  payload?: [number, number];
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
  [L.TRACE_SDM_SEND]: 'sdm-send',
  [L.TRACE_SDM_DELIVER]: 'sdm-deliver',
  [L.TRACE_SDM_BOOT]: 'sdm-boot',
  [L.TRACE_SDM_REJECT]: 'sdm-reject',
};

const SDM_TYPES: Record<number, string> = { [L.SDM_IRQ]: 'SDM_IRQ', [L.SDM_BOOT]: 'SDM_BOOT' };
const SDM_REASONS = Object.fromEntries(Object.entries(REJECT_REASONS).map(([name, index]) => [index, name]));

function serverText(sub: number, peer: number, vector: number, value: number): string {
  switch (sub) {
    case L.TRACE_SERVER_VERSION: return `version ${value}`;
    case L.TRACE_SERVER_ID: return `ID ${value}`;
    case L.TRACE_SERVER_SHM: return `shm ${formatSize(value >>> 0)}`;
    case L.TRACE_SERVER_EVENTFD: return `eventfd ${peer}/${vector}`;
    case L.TRACE_SERVER_GONE: return `peer ${peer} gone`;
    case L.TRACE_SERVER_INIT: return `INIT, ID ${value}`;
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
  if (kind === 'sdm-reject') event.text = SDM_REASONS[event.vector] ?? `reason ${event.vector}`;
  else if (kind.startsWith('sdm-')) {
    event.text = SDM_TYPES[event.vector] ?? `type ${event.vector >>> 0}`;
    event.payload = [event.value >>> 0, view.getUint32(at + L.TRACE_VALUE2, true)];
  }
  return event;
}
