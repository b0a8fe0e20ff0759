// A PCI function's config space and BAR0 registers, as the core decodes them (pci-config.ts,
// msix.ts, registers.ts). Integer constants only, valid AssemblyScript and valid TypeScript, like
// every *-layout.ts. Where a device block keeps them: device-layout.ts.
//
// Config space (CONFIG_SIZE bytes; written at realize, then by the device's own thread, apart from
// the Status register's Interrupt Status bit, which follows the INTx line whoever moves it):
//   0x00 vendor  0x02 device  0x04 Command  0x06 Status  0x08 revision  0x09 class (prog, sub, base)
//   0x0c cache line size  0x0e header type  0x10..0x27 BARs  0x2c subsystem vendor, subsystem
//   0x34 capability list  0x3c interrupt line  0x3d interrupt pin
//   0x40 the MSI-X capability, on a device with MSI-X (12 bytes): +0 ID, +1 next, +2 Message
//        Control, +4 table offset and BIR, +8 PBA offset and BIR; then device-specific bytes,
//        writable, to 0xff
// An MSI-X table entry (MSIX_ENTRY_SIZE bytes): +0 address, +8 data, +12 vector control.
//
// BAR0 (BAR0_SIZE bytes of registers), 32-bit layout (2014 spec, QEMU >= 1.x):
//   0x00 IntrMask  0x04 IntrStatus  0x08 IVPosition  0x0c Doorbell
// 16-bit layout (2010 spec):
//   0x00 IntrMask  0x02 IntrStatus  0x04 Doorbell  0x06 IVPosition  0x08 IVLiveList
// Extension registers in BAR0's reserved space (only with the x- properties):
//   0x80 x-peers: live peer IDs 0..255, one bit each, eight 32-bit words
//   0xc0 x-name: the device's name, 64 bytes

// PCI config space offsets and bits used by the core.
export const CONFIG_SIZE = 256;
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
export const MSIX_ENTRY_SIZE = 16;
export const MSIX_ENTRY_VECTOR_CTRL = 12;
export const MSIX_ENTRY_CTRL_MASKBIT = 1;

// QEMU's default config write masks (pci_init_wmask, pci_add_capability): SERR# Enable is
// writable; the device-specific bytes after the 64-byte header are writable except where a
// capability sits (the MSI-X capability is 12 bytes long).
export const PCI_COMMAND_SERR = 0x100;
export const PCI_CONFIG_HEADER_SIZE = 0x40;
export const PCI_CAP_MSIX_SIZEOF = 12;

// BAR0 register offsets, 32-bit layout.
export const REG_INTRMASK = 0;
export const REG_INTRSTATUS = 4;
export const REG_IVPOSITION = 8;
export const REG_DOORBELL = 12;
// BAR0 register offsets, 16-bit layout; a 2010 doorbell to BROADCAST_2010 rings every
// other peer.
export const REG2010_INTRMASK = 0;
export const REG2010_INTRSTATUS = 2;
export const REG2010_DOORBELL = 4;
export const REG2010_IVPOSITION = 6;
export const REG2010_IVLIVELIST = 8;
export const BROADCAST_2010 = 255;
export const BAR0_SIZE = 256;
// Extension registers (x-peers, x-name).
export const REG_X_PEERS = 0x80;
export const REG_X_PEERS_WORDS = 8;
export const REG_X_NAME = 0xc0;
