// Constants of the rings (assembly/virtqueue.ts, assembly/ring.ts): what lives in shared memory,
// what lives in each side's private state block, and the error codes a broken ring reports.
// Valid AssemblyScript and valid TypeScript, like every *-layout.ts: the core and src/ring/ import it.
// The layouts are drawn in the files that own them and in docs/rings.md.

// ---- virtio split virtqueue (virtio 1.x, 2.7): in the queue's region ("guest physical" space)
export const VQ_MAX_SIZE = 32768;
export const VIRTQ_DESC_SIZE = 16;
export const VIRTQ_DESC_ADDR = 0; // le64
export const VIRTQ_DESC_LEN = 8; // le32
export const VIRTQ_DESC_FLAGS = 12; // le16
export const VIRTQ_DESC_NEXT = 14; // le16
export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
export const VIRTQ_AVAIL_FLAGS = 0;
export const VIRTQ_AVAIL_IDX = 2;
export const VIRTQ_AVAIL_RING = 4; // le16 ring[N], then le16 used_event
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
export const VIRTQ_USED_FLAGS = 0;
export const VIRTQ_USED_IDX = 2;
export const VIRTQ_USED_RING = 4; // {le32 id; le32 len}[N], then le16 avail_event
export const VIRTQ_USED_ELEM_SIZE = 8;
export const VIRTQ_USED_F_NO_NOTIFY = 1;

// A virtqueue side's private state block (never in the region the peer can write):
// VQ_STATE_HEADER bytes, then N scratch entries (a popped chain, or the buffers of a chain to
// add), then (driver side) N per-descriptor entries. Size: vqStateBytes(N).
export const VQ_S_REGION_BASE = 0; // absolute address of guest physical address 0
export const VQ_S_REGION_SIZE = 4;
export const VQ_S_SIZE = 8; // queue size N
export const VQ_S_DESC = 12; // region offsets of the three parts
export const VQ_S_AVAIL = 16;
export const VQ_S_USED = 20;
export const VQ_S_FLAGS = 24; // VQ_EVENT_IDX
export const VQ_S_ERROR = 28; // first violation's code, 0 while healthy
export const VQ_S_VIOLATIONS = 32; // violations detected (a broken ring detects no more)
export const VQ_S_AVAIL_IDX = 36; // device: last_avail_idx; driver: avail idx not yet published
export const VQ_S_USED_IDX = 40; // driver: last_used_idx; device: used idx not yet published
export const VQ_S_NUM_FREE = 44; // driver: free descriptors
export const VQ_S_FREE_HEAD = 48; // driver: first free descriptor
export const VQ_S_OUT_NUM = 52; // device: readable buffers of the last popped chain
export const VQ_S_IN_NUM = 56; // device: writable buffers of the last popped chain
export const VQ_S_LAST_LEN = 60; // driver: length the device wrote, for the last used chain
export const VQ_S_SIGNALLED = 64; // idx at the last publish: device used idx / driver avail idx
export const VQ_S_NOTIFIES = 68; // publishes that asked for a notification / an interrupt
export const VQ_S_SUPPRESSED = 72; // publishes the peer's event suppression spared
export const VQ_STATE_HEADER = 128;
export const VQ_SCRATCH_SIZE = 16; // {u32 addr; u32 len; u32 flags; u32 0}
export const VQ_PER_DESC_SIZE = 8; // driver: {u16 next; u16 descs in chain (0 = not a head in flight); u32 writable length}
export const VQ_EVENT_IDX = 1;

// ---- SPSC message ring: at a 64-byte aligned address in any shared region
export const RING_MAGIC = 0x474e4952; // "RING" little-endian
export const RING_VERSION = 2; // 2: 8-byte record headers (1 had 4: payloads 4 but not 8 aligned, which copied 8x slower)
export const RING_H_MAGIC = 0;
export const RING_H_VERSION = 4;
export const RING_H_CAPACITY = 8;
export const RING_H_HEAD = 64; // producer line: bytes ever written (free-running u32)
export const RING_H_SPACE_EVENT = 68; // producer: wake me when tail passes this
export const RING_H_TAIL = 128; // consumer line: bytes ever consumed (free-running u32)
export const RING_H_DATA_EVENT = 132; // consumer: wake me when head passes this
export const RING_DATA = 192;
export const RING_MIN_CAPACITY = 64;
export const RING_MAX_CAPACITY = 1 << 30;
export const RING_RECORD_HEADER = 8; // le32 payload length, le32 0 (reserved), then the payload, padded to 8
export const RING_ALIGN = 8; // records (and so indices, and payloads) are 8-byte aligned
export const RING_PAD = -1; // 0xffffffff: the rest of the data area is padding, go to 0

// A ring side's private state block: RING_STATE_BYTES bytes.
export const RING_S_BASE = 0; // absolute address of the ring header
export const RING_S_CAPACITY = 4;
export const RING_S_INDEX = 8; // producer: private head; consumer: private tail
export const RING_S_PUBLISHED = 12; // the index last published
export const RING_S_ERROR = 16;
export const RING_S_VIOLATIONS = 20;
export const RING_S_LENGTH = 24; // consumer: payload length of the message peeked
export const RING_S_RESERVED = 28; // producer: bytes reserved, not yet committed
export const RING_S_NOTIFIES = 32; // publishes that asked for a doorbell
export const RING_S_SUPPRESSED = 36; // publishes the peer's event suppression spared
export const RING_S_MESSAGES = 40; // messages pushed / popped
export const RING_S_SEEN_TAIL = 44; // producer: the tail its last reserve found no room with
export const RING_STATE_BYTES = 64;

// Results (negative; a non-negative result is a value).
export const RING_EMPTY = -1; // nothing to pop / no room to push
export const RING_BROKEN = -2; // the ring is broken: see the error code
export const RING_BAD_ARGUMENT = -3; // the caller's own mistake, nothing changed

// Error codes: what the peer did wrong (first violation wins).
export const E_LAYOUT = 1; // setup: the parts do not fit the region or are misaligned
export const E_AVAIL_IDX = 2; // avail idx moved more than N past last_avail_idx
export const E_HEAD = 3; // avail ring entry >= N
export const E_DESC_RANGE = 4; // a buffer outside the region
export const E_DESC_LEN = 5; // a zero-length buffer
export const E_LOOP = 6; // a chain longer than the queue (or indirect table): a loop
export const E_NEXT = 7; // next >= N (or >= the indirect table's length)
export const E_INDIRECT = 8; // bad indirect table: size, nested, with NEXT, not at the head
export const E_ORDER = 9; // a readable buffer after a writable one
export const E_USED_IDX = 10; // used idx moved past what is in flight
export const E_USED_ID = 11; // used id >= N or not the head of a chain in flight
export const E_USED_LEN = 12; // used len beyond the chain's writable bytes
export const E_RING_HEADER = 20; // SPSC: magic, version or capacity wrong at attach
export const E_RING_INDEX = 21; // SPSC: the peer's index is out of bounds or not 8-aligned
export const E_RING_RECORD = 22; // SPSC: a record's length does not fit
