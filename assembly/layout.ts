// The memory map of the shared WebAssembly.Memory, defined once.
//
// This file is valid AssemblyScript and valid TypeScript: the core compiles it (every constant
// below is an i32 literal), and the TypeScript side imports the very same file, so no offset is
// ever written twice. Only integer constants live here.
//
//   0x00000 +-----------------------------------------------+
//           | reserved for the core's own static data        |  (it has none: instantiating it
//           |                                                |   writes nothing to the memory)
//   0x01000 +-----------------------------------------------+
//           | header: magic, layout version, memory size     |
//   0x01040 +-----------------------------------------------+
//           | trace: on/off word (0x1040), then a directory  |  (assembly/trace.ts owns it)
//           |   of each thread's trace ring (0x1100..0x2000) |
//   0x02000 +-----------------------------------------------+
//           | eventfd slots: EVENTFD_SLOTS x 64 bytes         |  one cache line each
//           |   +0 count  +4 refs  +8 bound device            |
//           |   +12 bound vector  +16 waiters  +20 signals     |
//   CONTROL_END (0x42000) ------------------------------------+
//           | regions handed out by the host, 4 KiB aligned: |
//           |   memory backends and /dev/shm files (BAR2)    |
//           |   device blocks (DEVICE_BLOCK_SIZE each)       |
//           | (the host's allocator keeps its lists in JS)   |
//   memory end --------------------------------------------- +
//
// A device block (one per realized device), offsets from the block's base:
//
//   +0      identity line, written once at realize: model, features, vectors; the peer count;
//           where the device's peer table is, how many peers it holds, the bytes of one entry
//   +64     register line, written by the device's own VM:
//           IVPosition, IntrMask, IntrStatus, INTx level, notifiers inside the block
//   +128    interrupt line (hot): sequence word the guest parks on, parked waiters,
//           messages lost to a disabled bus master, events dropped with MSI-X disabled, stop
//   +192    IRR: one bit per vector, set on delivery, taken by the guest CPU (256 bytes)
//   +448    x-name: the device's name as its guest reads it (64 bytes)
//   +512    PCI config space (256 bytes), +768 its write mask, +1024 its write-1-to-clear mask
//   +1280   MSI-X PBA (256 bytes: 2048 bits)
//   +1536   delivered count per vector (2048 x u32)
//   +9728   MSI-X table (2048 x 16 bytes)
//   +42496  server inbox (a VM's end of its chardev): head line, then INBOX_ENTRIES x 24 bytes
//           (drawn in src/server/inbox.ts, which owns it)
//   +67136  ring states: private state blocks of the rings this device's guest program uses
//           (DEV_RING_STATES_SIZE bytes; src/ring/guest-rings.ts hands them out)
//   +68160  end (DEVICE_BLOCK_SIZE rounds it up to a 4 KiB multiple)

export const LAYOUT_VERSION = 2;
export const MAGIC = 0x57535649; // "IVSW" little-endian

export const PAGE = 4096;
export const LINE = 64;

export const HEADER_BASE = 0x1000;
export const HEADER_MAGIC = HEADER_BASE;
export const HEADER_VERSION = HEADER_BASE + 4;
export const HEADER_MEMORY_SIZE = HEADER_BASE + 8;

// ---- trace (owned by assembly/trace.ts, which draws a thread's ring) ----
export const TRACE_ON = 0x1040;
export const TRACE_DIR = 0x1100;
export const TRACE_THREADS_MAX = (0x2000 - TRACE_DIR) / 4;
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
export const TRACE_SERVER_VERSION = 1;
export const TRACE_SERVER_ID = 2;
export const TRACE_SERVER_SHM = 3;
export const TRACE_SERVER_EVENTFD = 4;
export const TRACE_SERVER_GONE = 5;
// ---- end of trace ----

export const EVENTFD_BASE = 0x2000;
export const EVENTFD_SLOTS = 4096;
export const EVENTFD_STRIDE = 64;
export const EVENTFD_COUNT = 0;
export const EVENTFD_REFS = 4;
export const EVENTFD_BOUND_DEVICE = 8;
export const EVENTFD_BOUND_VECTOR = 12;
export const EVENTFD_WAITERS = 16;
export const EVENTFD_SIGNALS = 20;

export const CONTROL_END = EVENTFD_BASE + EVENTFD_SLOTS * EVENTFD_STRIDE;

// Device models.
export const MODEL_PLAIN = 1;
export const MODEL_DOORBELL = 2;
export const MODEL_LEGACY = 3;
export const MODEL_2010 = 4;

// Device feature bits (DEV_FEATURES).
export const FEATURE_MSIX = 1;
export const FEATURE_INTX = 2;
// Opt-in extensions (x- properties); a device without them is byte-for-byte QEMU's.
export const FEATURE_X_POLL = 4;
export const FEATURE_X_PEERS = 8;
export const FEATURE_X_NAME = 16;

// Identity line.
export const DEV_MODEL = 0;
export const DEV_FEATURES = 4;
export const DEV_VECTORS = 8;
export const DEV_PEER_COUNT = 12;
// Register line.
export const DEV_VM_ID = 64;
export const DEV_INTRMASK = 68;
export const DEV_INTRSTATUS = 72;
export const DEV_INTX_LEVEL = 76;
// ---- interrupt-state synchronisation (section owned by the "exactly once" work) ----
// No locks: see docs/architecture.md, "The lock rule". Anyone about to act on a device through a
// bound eventfd counts itself here first, so the host recycles a device block only once nobody can
// still be inside it (a notifier killed mid-way keeps its count: that block is never reused).
export const DEV_NOTIFIERS = 80;
// Interrupt line.
export const DEV_IRQ_SEQ = 128;
export const DEV_IRQ_WAITERS = 132;
export const DEV_IRQ_LOST = 136;
export const DEV_IRQ_DROPPED = 140;
// Set by the host to stop a VM's program: a waiting guest wakes up and returns WAIT_STOPPED.
export const DEV_STOP = 144;
export const WAIT_TIMEOUT = -1;
export const WAIT_STOPPED = -2;
export const DEV_IRR = 192;
// x-name: up to NAME_SIZE bytes of ASCII, NUL padded (after the IRR's 256 bytes).
export const DEV_NAME = 448;
export const NAME_SIZE = 64;
// PCI function.
export const DEV_CONFIG = 512;
export const DEV_WMASK = 768;
export const DEV_W1CMASK = 1024;
export const CONFIG_SIZE = 256;
export const DEV_PBA = 1280;
export const DEV_DELIVERED = 1536;
export const VECTORS_MAX = 2048;
export const DEV_MSIX_TABLE = DEV_DELIVERED + VECTORS_MAX * 4;
export const MSIX_ENTRY_SIZE = 16;
// ---- peer table (section owned by assembly/peers.ts and src/device/peer-table.ts) ----
// Outside the block, sized at realize: capacity x { id, eventfd count, eventfd slot[n] } with
// n = min(vectors, PEER_VECTORS_MAX), so 256 or 65536 peers cost what they need and no more.
export const DEV_PEER_TABLE = 16;
export const DEV_PEER_CAPACITY = 20;
export const DEV_PEER_STRIDE = 24;
export const PEER_VECTORS_MAX = 64;
export const PEER_ID = 0;
export const PEER_NB_EVENTFDS = 4;
export const PEER_SLOTS = 8;
// ---- end of peer table ----
export const DEV_INBOX = DEV_MSIX_TABLE + VECTORS_MAX * MSIX_ENTRY_SIZE;
export const INBOX_WRITE = 0;
export const INBOX_READ = 4;
export const INBOX_HANGUP = 8;
// How far the VM is done with its messages: the eventfd references they carry may go.
export const INBOX_RELEASED = 12;
export const INBOX_ENTRIES_AT = LINE;
export const INBOX_ENTRIES = 1024;
export const INBOX_ENTRY_SIZE = 24;
// ---- rings (section owned by assembly/ring.ts and src/ring/guest-rings.ts) ----
// A guest program's ring states live in its own device block, where its peers cannot write.
export const DEV_RING_STATES = DEV_INBOX + INBOX_ENTRIES_AT + INBOX_ENTRIES * INBOX_ENTRY_SIZE;
export const DEV_RING_STATES_SIZE = 1024;
// ---- end of rings ----
export const DEVICE_BLOCK_SIZE = (DEV_RING_STATES + DEV_RING_STATES_SIZE + PAGE - 1) & ~(PAGE - 1);

// PCI config space offsets and bits used by the core.
export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_CACHE_LINE_SIZE = 0x0c;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BAR0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;
export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;
export const PCI_COMMAND_MASTER = 0x4;
export const PCI_COMMAND_INTX_DISABLE = 0x400;
export const PCI_STATUS_INTERRUPT = 0x8;
export const PCI_STATUS_CAP_LIST = 0x10;
export const PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x4;
export const PCI_BASE_ADDRESS_MEM_PREFETCH = 0x8;

// The MSI-X capability, where QEMU's pci_add_capability puts the first one.
export const MSIX_CAP = 0x40;
export const PCI_CAP_ID_MSIX = 0x11;
export const MSIX_FLAGS = MSIX_CAP + 2;
export const MSIX_TABLE = MSIX_CAP + 4;
export const MSIX_PBA = MSIX_CAP + 8;
export const MSIX_FLAGS_QSIZE = 0x07ff;
export const MSIX_FLAGS_MASKALL = 0x4000;
export const MSIX_FLAGS_ENABLE = 0x8000;
export const MSIX_ENTRY_VECTOR_CTRL = 12;
export const MSIX_ENTRY_CTRL_MASKBIT = 1;

// BAR0 register offsets, 32-bit layout (2014 spec, QEMU >= 1.x).
export const REG_INTRMASK = 0;
export const REG_INTRSTATUS = 4;
export const REG_IVPOSITION = 8;
export const REG_DOORBELL = 12;
// BAR0 register offsets, 16-bit layout (2010 spec).
export const REG2010_INTRMASK = 0;
export const REG2010_INTRSTATUS = 2;
export const REG2010_DOORBELL = 4;
export const REG2010_IVPOSITION = 6;
export const REG2010_IVLIVELIST = 8;
export const BROADCAST_2010 = 255;
export const BAR0_SIZE = 256;
// Extension registers in BAR0's reserved space (only with the x- properties):
// x-peers: live peer IDs 0..255, one bit each, eight 32-bit words; x-name: the name, 64 bytes.
export const REG_X_PEERS = 0x80;
export const REG_X_PEERS_WORDS = 8;
export const REG_X_NAME = 0xc0;

// --- QEMU's default config write masks (pci_init_wmask, pci_add_capability) ---
// SERR# Enable is writable; the device-specific bytes after the 64-byte header are writable
// except where a capability sits (the MSI-X capability is 12 bytes long).
export const PCI_COMMAND_SERR = 0x100;
export const PCI_CONFIG_HEADER_SIZE = 0x40;
export const PCI_CAP_MSIX_SIZEOF = 12;

// --- the host's accelerator (Host.create({ accel })), in the header ---
// KVM (the default) hands a vector's eventfd to an irqfd once the guest enables MSI-X; until then
// the eventfd keeps counting and QEMU's PBA poll turns it into a pending bit: an event before
// MSI-X is enabled stays pending. TCG reads the eventfd itself and drops the event.
export const HEADER_ACCEL = HEADER_BASE + 12;
export const ACCEL_KVM = 1;
export const ACCEL_TCG = 2;
