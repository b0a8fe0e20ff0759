// virtio-sdm, the Signal Distribution Module behind the virtio-mmio transport (assembly/sdm.ts):
// what it offers, its config space, its signals, and its state in the device block. Integer
// constants only, valid AssemblyScript and valid TypeScript, like every *-layout.ts.
//
// An SDM device's block (offsets from the block base; the PCI parts of a block are unused):
//
//   +64     DEV_VM_ID: the device's SDM id (0 master, 1..n slave, -1 while not in a group)
//   +72     DEV_INTRSTATUS: virtio InterruptStatus (bit 0 used ring, bit 1 config change);
//           DEV_INTRMASK all ones, so the line is high while InterruptStatus != 0
//   +80     DEV_NOTIFIERS: senders acting on this block right now (the host recycles it at 0)
//   VMMIO_BASE (= DEV_MSIX_TABLE), the transport's lines and the device's interleaved:
//   +0      the transport line (virtio-mmio-layout.ts)
//   +64     config line: the config bytes as read at 0x100 (u8 master, pad, u16 max_slaves,
//           u16 current_slaves, pad), then the master link (a slave: the master's block,
//           SDM_REMOTE across the relay, 0 for none) and the socket flag
//   +128    counters line (read by the host): sent, received, dropped, booted, boot payload[2],
//           boots, rejected[SDM_REJECT_REASONS]
//   +256    the transport's queue registers, SDM_QUEUES of them (virtio-mmio-layout.ts)
//   then    each queue's device-side ring state (virtqueue.ts); the incoming lanes, one per
//           sender id 0..64: { write, read, 16 x SDMSignalData }; the outbox (signals for the
//           relay: write, read, 256 x SDMSignalData); the slave table (u32 per id 0..64); the
//           guest driver's private ring state
//   SDM_RAM the device's guest RAM (up to DEV_RING_STATES): guest address 0 is block + SDM_RAM;
//           the driver's rings and buffers live here.
//
// An incoming lane has one producer (the sender's thread, or the host thread for the relay) and
// one consumer (this device's own thread, which moves its signals into hg_vq), and the outbox one
// producer (the device's own thread) and one consumer (the host thread), so neither needs a lock
// (docs/architecture.md).
import { PAGE, LINE } from './header-layout.ts';
import { DEV_RING_STATES } from './device-layout.ts';
import { VMMIO_BASE, VMMIO_QUEUES, VMMIO_QUEUE_STRIDE, VIRTIO_RING_F_EVENT_IDX } from './virtio-mmio-layout.ts';

// What the transport shows of the device.
export const VIRTIO_ID_SDM = 21;
export const SDM_VENDOR_ID = 0x57535649; // "IVSW", this project's MAGIC
// Feature bits offered, as (low word, high word): VIRTIO_RING_F_EVENT_IDX and VIRTIO_F_VERSION_1.
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

// config line: the config bytes as the driver reads them, then the group
export const SDM_CONFIG = VMMIO_BASE + 64;
export const SDM_MASTER_LINK = VMMIO_BASE + 72; // slave: master's block, SDM_REMOTE, or 0
export const SDM_CHANNEL_SOCKET = VMMIO_BASE + 76; // 1: the group is reached through the relay
// counters line
export const SDM_SENT = VMMIO_BASE + 128;
export const SDM_RECEIVED = VMMIO_BASE + 132;
export const SDM_DROPPED = VMMIO_BASE + 136; // pending queue full, or discarded by a reset
export const SDM_BOOTED = VMMIO_BASE + 140;
export const SDM_BOOT_PAYLOAD = VMMIO_BASE + 144; // two words
export const SDM_BOOTS = VMMIO_BASE + 152;
export const SDM_REJECTED = VMMIO_BASE + 160; // SDM_REJECT_REASONS words
// each queue's device-side ring state (assembly/virtqueue.ts: vqStateBytes(SDM_QUEUE_NUM_MAX)),
// after the transport's registers for the device's queues
export const SDM_VQ_STATE_BYTES = 128 + SDM_QUEUE_NUM_MAX * 24;
export const SDM_VQ_DEVICE = VMMIO_QUEUES + SDM_QUEUES * VMMIO_QUEUE_STRIDE;
// incoming signals, one lane per sender id (0 the master, 1..SDM_SLAVES_MAX the slaves)
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
