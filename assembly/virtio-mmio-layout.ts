// The virtio-mmio transport, version 2 (virtio 1.x, 4.2.2; assembly/virtio-mmio.ts decodes it):
// its register window, the virtio constants it deals in, and where it keeps its state in the
// device block. Integer constants only, valid AssemblyScript and valid TypeScript, like every
// *-layout.ts.
//
// The state sits where a PCI function keeps its MSI-X table (the device behind the transport has
// none, device-layout.ts), in lines the device's own state leaves free (sdm-layout.ts):
//
//   VMMIO_BASE (= DEV_MSIX_TABLE)
//   +0      transport line: Status, DeviceFeaturesSel, DriverFeaturesSel, DriverFeatures (two
//           words: low, high), QueueSel, ConfigGeneration
//   +256    queue registers (VMMIO_QUEUES), one VMMIO_QUEUE_STRIDE (64) bytes set per queue of the
//           device: +0 QueueNum, +4 QueueReady, +8 QueueDesc (u64), +16 QueueDriver (u64),
//           +24 QueueDevice (u64)
//
// The device's own thread writes the registers (the driver's writes, the reset). ConfigGeneration
// moves with every config change, on whichever thread makes it (an atomic add); NEEDS_RESET is set
// by the device behind the transport (virtio-mmio-irq.ts). InterruptStatus is the block's
// DEV_INTRSTATUS (with DEV_INTRMASK all ones), where a sender ORs its bits.
import { DEV_MSIX_TABLE } from './device-layout.ts';

// The register window (virtio 1.x, 4.2.2), exposed as bar(0).
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
// Feature bits, as (low word, high word): VIRTIO_RING_F_EVENT_IDX is bit 29 (in the low word),
// VIRTIO_F_VERSION_1 bit 32 (bit 0 of the high word).
export const VIRTIO_RING_F_EVENT_IDX = 1 << 29;

// The transport's state.
export const VMMIO_BASE = DEV_MSIX_TABLE;
export const VMMIO_STATUS = VMMIO_BASE;
export const VMMIO_DEVICE_FEATURES_SEL = VMMIO_BASE + 4;
export const VMMIO_DRIVER_FEATURES_SEL = VMMIO_BASE + 8;
export const VMMIO_DRIVER_FEATURES = VMMIO_BASE + 12; // two words
export const VMMIO_QUEUE_SEL = VMMIO_BASE + 20;
export const VMMIO_GENERATION = VMMIO_BASE + 24;
export const VMMIO_QUEUES = VMMIO_BASE + 256;
export const VMMIO_QUEUE_STRIDE = 64;
export const VMMIO_QUEUE_NUM = 0;
export const VMMIO_QUEUE_READY = 4;
// desc, driver, device: u64s one after the other, in the order of their registers (QueueDescLow
// 0x080, QueueDriverLow 0x090, QueueDeviceLow 0x0a0): virtioMmioWrite computes the place from the offset
export const VMMIO_QUEUE_DESC = 8; // u64
export const VMMIO_QUEUE_DRIVER = 16; // u64
export const VMMIO_QUEUE_DEVICE = 24; // u64
