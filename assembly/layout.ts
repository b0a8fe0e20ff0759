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
//           | trace: on/off word (0x1040)                    |  (assembly/trace.ts owns it)
//   0x02000 +-----------------------------------------------+
//           | eventfd slots: EVENTFD_SLOTS x 64 bytes         |  one cache line each
//           |   +0 count  +4 refs  +8 bound device            |
//           |   +12 bound vector  +16 waiters  +20 signals     |
//   0x42000 +-----------------------------------------------+
//           | trace directory: each thread's trace ring      |  TRACE_THREADS_MAX x 4 bytes: the
//           |   (0 = none)                                   |  host and as many VM threads as
//           |                                                |  there are eventfd slots
//   CONTROL_END (0x46000) ------------------------------------+
//           | regions handed out by the host, 4 KiB aligned: |
//           |   memory backends and /dev/shm files (BAR2)    |
//           |   device blocks (DEVICE_BLOCK_SIZE each)       |
//           | (the host's allocator keeps its lists in JS)   |
//   memory end --------------------------------------------- +
//
// A device block (one per realized device), offsets from the block's base:
//
//   +0      identity line, written once at realize: model, features, vectors; the peer count;
//           where the device's peer table is, how many peers it holds, the bytes of one entry;
//           its key (Device.key)
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
//   +75328  end (DEVICE_BLOCK_SIZE rounds it up to a 4 KiB multiple: 76 KiB)

export const LAYOUT_VERSION = 3;
export const MAGIC = 0x57535649; // "IVSW" little-endian

export const PAGE = 4096;
export const LINE = 64;

export const HEADER_BASE = 0x1000;
export const HEADER_MAGIC = HEADER_BASE;
export const HEADER_VERSION = HEADER_BASE + 4;
export const HEADER_MEMORY_SIZE = HEADER_BASE + 8;

// ---- trace (owned by assembly/trace.ts, which draws a thread's ring) ----
export const TRACE_ON = 0x1040;
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

// The trace directory (assembly/trace.ts): the host's thread and one per VM worker, as many as
// eventfd slots (a VM with a server device takes at least one).
export const TRACE_DIR = EVENTFD_BASE + EVENTFD_SLOTS * EVENTFD_STRIDE;
export const TRACE_THREADS_MAX = EVENTFD_SLOTS;
export const CONTROL_END = TRACE_DIR + TRACE_THREADS_MAX * 4;

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
// Device.key, the device's identity for its whole life (never reused by another device).
export const DEV_KEY = 28;
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
// Guest.ring's one call into the core (guestRing, assembly/doorbell.ts): done, done and it woke a
// parked guest (the 'spin' policy reads that as "my peer is not spinning"), or why it did nothing.
export const GUEST_RING_DONE = 0;
export const GUEST_RING_INBOX = 1;
export const GUEST_RING_NOT_DECODED = 2;
export const GUEST_RING_WOKE = 3;
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
// A virtqueue's state grows with its size N (128 + 24N bytes: the driver's private free list and
// chain lengths, the buffers of the chain just popped), so this bounds a guest's queues: 8 KiB
// hold one of N = 256 beside 30 message-ring sides (64 bytes each).
export const DEV_RING_STATES = DEV_INBOX + INBOX_ENTRIES_AT + INBOX_ENTRIES * INBOX_ENTRY_SIZE;
export const DEV_RING_STATES_SIZE = 8192;
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

// ---- virtio-sdm (owned by assembly/virtio-mmio.ts and assembly/sdm.ts; drawn in assembly/sdm.ts) ----
// An SDM device is not a PCI function: it has no MSI-X table, peer table or inbox, so its block
// reuses that space for its own state (from DEV_MSIX_TABLE) and its guest RAM (from SDM_RAM).
export const MODEL_SDM = 5;
// virtio-mmio register window (virtio 1.x, 4.2.2), exposed as bar(0).
export const VIRTIO_MMIO_SIZE = 0x200;
export const VIRTIO_MMIO_MAGIC_VALUE = 0x000;
export const VIRTIO_MMIO_VERSION = 0x004;
export const VIRTIO_MMIO_DEVICE_ID = 0x008;
export const VIRTIO_MMIO_VENDOR_ID = 0x00c;
export const VIRTIO_MMIO_DEVICE_FEATURES = 0x010;
export const VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014;
export const VIRTIO_MMIO_DRIVER_FEATURES = 0x020;
export const VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024;
export const VIRTIO_MMIO_QUEUE_SEL = 0x030;
export const VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034;
export const VIRTIO_MMIO_QUEUE_NUM = 0x038;
export const VIRTIO_MMIO_QUEUE_READY = 0x044;
export const VIRTIO_MMIO_QUEUE_NOTIFY = 0x050;
export const VIRTIO_MMIO_INTERRUPT_STATUS = 0x060;
export const VIRTIO_MMIO_INTERRUPT_ACK = 0x064;
export const VIRTIO_MMIO_STATUS = 0x070;
export const VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080;
export const VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084;
export const VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090;
export const VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094;
export const VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0;
export const VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4;
export const VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0;
export const VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4;
export const VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc;
export const VIRTIO_MMIO_CONFIG = 0x100;
export const VIRT_MAGIC = 0x74726976; // "virt"
export const VIRT_VERSION = 2;
export const VIRTIO_ID_SDM = 21;
export const SDM_VENDOR_ID = 0x57535649; // "IVSW", this project's MAGIC
export const VIRTIO_QUEUE_MAX = 1024; // QueueSel values QEMU accepts
// Device status bits.
export const VIRTIO_STATUS_ACKNOWLEDGE = 1;
export const VIRTIO_STATUS_DRIVER = 2;
export const VIRTIO_STATUS_DRIVER_OK = 4;
export const VIRTIO_STATUS_FEATURES_OK = 8;
export const VIRTIO_STATUS_NEEDS_RESET = 64;
export const VIRTIO_STATUS_FAILED = 128;
// InterruptStatus bits.
export const VIRTIO_ISR_VRING = 1;
export const VIRTIO_ISR_CONFIG = 2;
// Feature bits offered, as (low word, high word): VIRTIO_RING_F_EVENT_IDX is bit 29,
// VIRTIO_F_VERSION_1 bit 32.
export const VIRTIO_RING_F_EVENT_IDX = 1 << 29;
export const SDM_FEATURES_LOW = VIRTIO_RING_F_EVENT_IDX;
export const SDM_FEATURES_HIGH = 1;
// Virtqueues: 0 hg_vq (host to guest), 1 gh_vq (guest to host).
export const SDM_QUEUES = 2;
export const SDM_HG_VQ = 0;
export const SDM_GH_VQ = 1;
export const SDM_QUEUE_NUM_MAX = 64;
// Config space (from VIRTIO_MMIO_CONFIG): struct virtio_sdm_config, natural alignment.
export const SDM_CFG_MASTER = 0;
export const SDM_CFG_MAX_SLAVES = 2;
export const SDM_CFG_CURRENT_SLAVES = 4;
export const SDM_CFG_SIZE = 6;
// Signals: struct SDMSignalData { u32 type; u32 slave; u32 payload[2]; }.
export const SDM_IRQ = 0;
export const SDM_BOOT = 1;
export const SDM_SIGNAL_SIZE = 16;
export const SDM_SLAVES_MAX = 64;
// A slave-table entry or a slave's master link that is on the other side of a socket channel.
export const SDM_REMOTE = 1;
// Why a signal was rejected (index into the rejection counters).
export const SDM_REJECT_TYPE = 0;
export const SDM_REJECT_RANGE = 1;
export const SDM_REJECT_SLAVE_TO_SLAVE = 2;
export const SDM_REJECT_BEYOND_MAX = 3;
export const SDM_REJECT_ABSENT = 4;
export const SDM_REJECT_BUFFER = 5;
export const SDM_REJECT_REASONS = 6;
// SDM state, from the block's base.
export const SDM_BASE = DEV_MSIX_TABLE;
// transport line
export const SDM_STATUS = SDM_BASE;
export const SDM_DEVICE_FEATURES_SEL = SDM_BASE + 4;
export const SDM_DRIVER_FEATURES_SEL = SDM_BASE + 8;
export const SDM_DRIVER_FEATURES = SDM_BASE + 12; // two words
export const SDM_QUEUE_SEL = SDM_BASE + 20;
export const SDM_GENERATION = SDM_BASE + 24;
// config line: the config bytes as the driver reads them, then the group
export const SDM_CONFIG = SDM_BASE + 64;
export const SDM_MASTER_LINK = SDM_BASE + 72; // slave: master's block, SDM_REMOTE, or 0
export const SDM_CHANNEL_SOCKET = SDM_BASE + 76; // 1: the group is reached through the relay
// counters line (read by the host)
export const SDM_SENT = SDM_BASE + 128;
export const SDM_RECEIVED = SDM_BASE + 132;
export const SDM_DROPPED = SDM_BASE + 136; // pending queue full, or discarded by a reset
export const SDM_BOOTED = SDM_BASE + 140;
export const SDM_BOOT_PAYLOAD = SDM_BASE + 144; // two words
export const SDM_BOOTS = SDM_BASE + 152;
export const SDM_REJECTED = SDM_BASE + 160; // SDM_REJECT_REASONS words
// queue registers, SDM_QUEUES x SDM_QUEUE_STRIDE
export const SDM_QUEUE_STATE = SDM_BASE + 256;
export const SDM_QUEUE_STRIDE = 64;
export const SDMQ_NUM = 0;
export const SDMQ_READY = 4;
export const SDMQ_DESC = 8; // u64
export const SDMQ_DRIVER = 16; // u64
export const SDMQ_DEVICE = 24; // u64
// each queue's device-side ring state (assembly/virtqueue.ts: vqStateBytes(SDM_QUEUE_NUM_MAX))
export const SDM_VQ_STATE_BYTES = 128 + SDM_QUEUE_NUM_MAX * 24;
export const SDM_VQ_DEVICE = SDM_QUEUE_STATE + SDM_QUEUES * SDM_QUEUE_STRIDE;
// incoming signals, one lane per sender id (0 the master, 1..SDM_SLAVES_MAX the slaves): each lane
// has one producer (the sender's thread, or the host thread for the relay) and one consumer (this
// device's own thread, which moves them into hg_vq), so no lock is needed (docs/architecture.md)
export const SDM_LANE_WRITE = 0;
export const SDM_LANE_READ = 4;
export const SDM_LANE_ENTRIES_AT = 8;
export const SDM_LANE_ENTRIES = 16;
export const SDM_LANE_STRIDE = SDM_LANE_ENTRIES_AT + SDM_LANE_ENTRIES * SDM_SIGNAL_SIZE;
export const SDM_LANES = SDM_VQ_DEVICE + SDM_QUEUES * SDM_VQ_STATE_BYTES;
// signals for the socket channel (the device's own thread writes, the host thread takes them)
export const SDM_OUTBOX = SDM_LANES + (SDM_SLAVES_MAX + 1) * SDM_LANE_STRIDE;
export const SDM_OUTBOX_WRITE = SDM_OUTBOX;
export const SDM_OUTBOX_READ = SDM_OUTBOX + 4;
export const SDM_OUTBOX_ENTRIES_AT = SDM_OUTBOX + LINE;
export const SDM_OUTBOX_ENTRIES = 256;
// master: the slave table, one word per id 0..SDM_SLAVES_MAX (a block, SDM_REMOTE, or 0)
export const SDM_SLAVES = SDM_OUTBOX_ENTRIES_AT + SDM_OUTBOX_ENTRIES * SDM_SIGNAL_SIZE;
// the guest driver's private ring state (vm.sdm's driver side), out of the device's reach
export const SDM_VQ_DRIVER = SDM_SLAVES + (SDM_SLAVES_MAX + 1) * 4;
export const SDM_STATE_END = SDM_VQ_DRIVER + SDM_QUEUES * SDM_VQ_STATE_BYTES;
// The guest RAM the driver's rings and buffers live in: guest address 0 is block + SDM_RAM.
export const SDM_RAM = (SDM_STATE_END + PAGE - 1) & ~(PAGE - 1);
// It ends where the guest rings' private states begin (DEV_RING_STATES), so they stay out of its reach.
export const SDM_RAM_SIZE = DEV_RING_STATES - SDM_RAM;

// --- the host's accelerator (Host.create({ accel })), in the header ---
// KVM (the default) hands a vector's eventfd to an irqfd once the guest enables MSI-X; until then
// the eventfd keeps counting and QEMU's PBA poll turns it into a pending bit: an event before
// MSI-X is enabled stays pending. TCG reads the eventfd itself and drops the event.
export const HEADER_ACCEL = HEADER_BASE + 12;
export const ACCEL_KVM = 1;
export const ACCEL_TCG = 2;
