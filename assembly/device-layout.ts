// A device block: one per realized device, DEVICE_BLOCK_SIZE bytes handed out by the host. Integer
// constants only, valid AssemblyScript and valid TypeScript, like every *-layout.ts. Offsets from
// the block's base:
//
//   +0      identity line, written once at realize: model, features, vectors; the peer count
//           (the device's own thread keeps it); where the device's peer table is, how many peers
//           it holds, the bytes of one entry (peer-layout.ts); its key (Device.key, never reused)
//   +64     register line, written by the device's own thread: IVPosition, IntrMask, IntrStatus
//           (ringers OR into it), the INTx level (whoever moves the line), notifiers: ringers
//           acting on the block right now; after them, ivshmem-v2's registers
//           (ivshmem-v2-layout.ts)
//   +128    interrupt line (hot): sequence word the guest parks on, parked waiters, messages lost
//           to a disabled bus master, events dropped with MSI-X disabled, stop (set by the host)
//   +192    IRR: one bit per vector, set on delivery, taken by the guest CPU (256 bytes)
//   +448    x-name: the device's name as its guest reads it (NAME_SIZE bytes)
//   +512    PCI config space (CONFIG_SIZE bytes, pci-layout.ts), +768 its write mask, +1024 its
//           write-1-to-clear mask
//   +1280   MSI-X PBA (256 bytes: 2048 bits)
//   +1536   delivered count per vector (VECTORS_MAX x u32)
//   +9728   MSI-X table (VECTORS_MAX x MSIX_ENTRY_SIZE bytes)
//   +42496  server inbox (a VM's end of its chardev, inbox-layout.ts)
//   +67136  ring states: private state blocks of the rings this device's guest program uses
//           (DEV_RING_STATES_SIZE bytes; src/vm/guest-rings.ts hands them out)
//   +75328  end (DEVICE_BLOCK_SIZE rounds it up to a 4 KiB multiple: 76 KiB)
//
// A virtio-sdm device is no PCI function: it keeps its transport's and its own state from
// DEV_MSIX_TABLE up to DEV_RING_STATES instead (virtio-mmio-layout.ts, sdm-layout.ts).
import { PAGE } from './header-layout.ts';
import { MSIX_ENTRY_SIZE } from './pci-layout.ts';
import { INBOX_ENTRIES_AT, INBOX_ENTRIES, INBOX_ENTRY_SIZE } from './inbox-layout.ts';

// Device models (DEV_MODEL).
export const MODEL_PLAIN = 1;
export const MODEL_DOORBELL = 2;
export const MODEL_LEGACY = 3;
export const MODEL_2010 = 4;
export const MODEL_SDM = 5;
export const MODEL_FLAT = 6;
export const MODEL_V2 = 7;

// Device feature bits (DEV_FEATURES).
export const FEATURE_MSIX = 1;
export const FEATURE_INTX = 2;
// One output IRQ line pulsed per event (a sysbus device's qemu_irq_pulse): the interrupt controller
// latches each pulse as pending until the CPU takes it, so pulses before that coalesce.
export const FEATURE_PULSE = 32;
// Opt-in extensions (x- properties); a device without them is byte-for-byte QEMU's.
export const FEATURE_X_POLL = 4;
export const FEATURE_X_PEERS = 8;
export const FEATURE_X_NAME = 16;

// Identity line.
export const DEV_MODEL = 0;
export const DEV_FEATURES = 4;
export const DEV_VECTORS = 8;
export const DEV_PEER_COUNT = 12;
export const DEV_PEER_TABLE = 16;
export const DEV_PEER_CAPACITY = 20;
export const DEV_PEER_STRIDE = 24;
// Device.key: the device's identity for its host's life, written at realize.
export const DEV_KEY = 28;
// Register line.
export const DEV_VM_ID = 64;
export const DEV_INTRMASK = 68;
export const DEV_INTRSTATUS = 72;
export const DEV_INTX_LEVEL = 76;
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
export const DEV_PBA = 1280;
export const DEV_DELIVERED = 1536;
export const VECTORS_MAX = 2048;
export const DEV_MSIX_TABLE = DEV_DELIVERED + VECTORS_MAX * 4;
export const DEV_INBOX = DEV_MSIX_TABLE + VECTORS_MAX * MSIX_ENTRY_SIZE;
// A guest program's ring states live in its own device block, where its peers cannot write.
// A virtqueue's state grows with its size N (128 + 24N bytes: the driver's private free list and
// chain lengths, the buffers of the chain just popped), so this bounds a guest's queues: 8 KiB
// hold one of N = 256 beside 30 message-ring sides (64 bytes each).
export const DEV_RING_STATES = DEV_INBOX + INBOX_ENTRIES_AT + INBOX_ENTRIES * INBOX_ENTRY_SIZE;
export const DEV_RING_STATES_SIZE = 8192;
export const DEVICE_BLOCK_SIZE = (DEV_RING_STATES + DEV_RING_STATES_SIZE + PAGE - 1) & ~(PAGE - 1);
