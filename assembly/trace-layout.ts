// The trace (assembly/trace.ts writes the core's events, src/trace/ drains them). Integer constants
// only, valid AssemblyScript and valid TypeScript, like every *-layout.ts.
//
//   TRACE_ON (0x1040)        non-zero while tracing (the host turns it on and off)
//   TRACE_DIR (0x42000)      ring address per thread (0 = none), TRACE_THREADS_MAX of them: the
//                            host's thread and one per VM worker, as many as eventfd slots (a VM
//                            with a server device takes at least one); only the host writes it
//   a ring (TRACE_RING_SIZE bytes, allocated by the host):
//     +0    write index (u32, free running; only the owning thread advances it)
//     +4    events dropped because the ring was full (u32)
//     +64   read index (u32, free running; only the host's drain advances it)
//     +128  entry[TRACE_CAPACITY], TRACE_ENTRY_SIZE (32) bytes each:
//             +0 time (f64, ms since the epoch: performance.timeOrigin + performance.now(),
//                one clock for every thread)
//             +8 kind (TRACE_DOORBELL..; server messages: TRACE_SERVER | sub-kind << 8)
//             +12 device (IVPosition of the device concerned, or -1)
//             +16 peer (the other end: a doorbell's destination, a delivery's source, or -1)
//             +20 vector   +24 value   +28 value2 (virtio-sdm: payload[1])
import { EVENTFD_BASE, EVENTFD_SLOTS, EVENTFD_STRIDE } from './eventfd-layout.ts';

export const TRACE_ON = 0x1040;
export const TRACE_DIR = EVENTFD_BASE + EVENTFD_SLOTS * EVENTFD_STRIDE;
export const TRACE_THREADS_MAX = EVENTFD_SLOTS;

export const TRACE_WRITE = 0;
export const TRACE_DROPPED = 4;
export const TRACE_READ = 64;
export const TRACE_ENTRIES_AT = 128;
export const TRACE_ENTRY_SIZE = 32;
export const TRACE_CAPACITY = 2048;
export const TRACE_RING_SIZE = TRACE_ENTRIES_AT + TRACE_CAPACITY * TRACE_ENTRY_SIZE;
export const TRACE_TIME = 0;
export const TRACE_KIND = 8;
export const TRACE_DEVICE = 12;
export const TRACE_PEER = 16;
export const TRACE_VECTOR = 20;
export const TRACE_VALUE = 24;
/** a second value (virtio-sdm: payload[1]) */
export const TRACE_VALUE2 = 28;

// Event kinds; a server message carries its sub-kind in bits 8..15 of the kind word.
export const TRACE_DOORBELL = 1;
export const TRACE_DELIVER = 2;
export const TRACE_PENDING = 3;
export const TRACE_MASK = 4;
export const TRACE_UNMASK = 5;
export const TRACE_RESET = 6;
export const TRACE_LOST = 7;
export const TRACE_DROPPED_EVENT = 8;
export const TRACE_SERVER = 9;
export const TRACE_RING_PUSH = 10;
export const TRACE_RING_POP = 11;
// virtio-sdm signals (device, peer: SDM ids; vector: the signal type; value, value2: payload):
// sent by a driver, put in the receiver's hg_vq, a boot that started a held-back VM, a rejection
// (vector: the SDM_REJECT_* reason).
export const TRACE_SDM_SEND = 12;
export const TRACE_SDM_DELIVER = 13;
export const TRACE_SDM_BOOT = 14;
export const TRACE_SDM_REJECT = 15;
export const TRACE_SERVER_VERSION = 1;
export const TRACE_SERVER_ID = 2;
export const TRACE_SERVER_SHM = 3;
export const TRACE_SERVER_EVENTFD = 4;
export const TRACE_SERVER_GONE = 5;
// ivshmem2-server's INIT (protocol version 2): the newcomer's ID and everything else at once.
export const TRACE_SERVER_INIT = 6;
