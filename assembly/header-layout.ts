// The map of the shared WebAssembly.Memory, and its header. Integer constants only, valid
// AssemblyScript and valid TypeScript: the core compiles this file, and the TypeScript side imports
// the very same file (through assembly/layout.ts), so no offset is ever written twice.
//
//   0x00000 +-----------------------------------------------+
//           | reserved for the core's own static data        |  (it has none: instantiating it
//           |                                                |   writes nothing to the memory)
//   0x01000 +-----------------------------------------------+
//           | header, written once by the host at creation:  |
//           |   +0 magic  +4 layout version  +8 memory size  |  a worker checks magic and version
//           |   +12 accelerator (ACCEL_KVM or ACCEL_TCG)     |  before it touches anything else
//   0x01040 +-----------------------------------------------+
//           | trace: on/off word                             |  (trace-layout.ts)
//   0x02000 +-----------------------------------------------+
//           | eventfd slots: EVENTFD_SLOTS x 64 bytes        |  (eventfd-layout.ts)
//   0x42000 +-----------------------------------------------+
//           | trace directory: each thread's trace ring      |  (trace-layout.ts)
//   CONTROL_END (0x46000) -----------------------------------+
//           | regions handed out by the host, 4 KiB aligned: |
//           |   memory backends and /dev/shm files (BAR2)    |
//           |   device blocks (DEVICE_BLOCK_SIZE each,       |  (device-layout.ts)
//           |   and each device's peer table beside it)      |  (peer-layout.ts)
//           | (the host's allocator keeps its lists in JS)   |
//   memory end --------------------------------------------- +
import { TRACE_DIR, TRACE_THREADS_MAX } from './trace-layout.ts';

// A worker refuses memory laid out with another version, so a changed offset anywhere bumps it.
export const LAYOUT_VERSION = 3;
export const MAGIC = 0x57535649; // "IVSW" little-endian

export const PAGE = 4096;
export const LINE = 64;

export const HEADER_BASE = 0x1000;
export const HEADER_MAGIC = HEADER_BASE;
export const HEADER_VERSION = HEADER_BASE + 4;
export const HEADER_MEMORY_SIZE = HEADER_BASE + 8;

// The host's accelerator (Host.create({ accel })). KVM (the default) hands a vector's eventfd to
// an irqfd once the guest enables MSI-X; until then the eventfd keeps counting and QEMU's PBA poll
// turns it into a pending bit: an event before MSI-X is enabled stays pending. TCG reads the
// eventfd itself and drops the event.
export const HEADER_ACCEL = HEADER_BASE + 12;
export const ACCEL_KVM = 1;
export const ACCEL_TCG = 2;

// The end of what the core itself keeps: the host hands out the memory from here.
export const CONTROL_END = TRACE_DIR + TRACE_THREADS_MAX * 4;
