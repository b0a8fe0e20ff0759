// ivshmem-v2 (IVSHMEM 2.0, Jailhouse's inter-cell device): its BAR0 registers, its vendor
// capability, and where a device block keeps its state. Integer constants only, valid
// AssemblyScript and valid TypeScript, like every *-layout.ts. The core decodes it in
// ivshmem-v2.ts (registers, doorbell, state) and ivshmem-v2-irq.ts (an event on its own vector).
//
// BAR0 (V2_BAR0_SIZE bytes, aligned 32-bit accesses only; other offsets read 0 and ignore writes):
//   0x00 ID (read-only)  0x04 Maximum Peers (read-only)  0x08 Interrupt Control (bit 0: enable)
//   0x0c Doorbell (write-only: vector in bits 0..15, target ID in bits 16..31; reads 0)
//   0x10 State (a change is copied into the state table and rings vector 0 of every other peer)
//
// Config space: the MSI-X capability at MSIX_CAP (as for ivshmem-doorbell), then the vendor
// capability right after it, at the head of the list (the capability pointer names it):
//   +0 ID 09h  +1 next (the MSI-X capability)  +2 length 18h  +3 privileged control (bit 0:
//   one-shot interrupt mode, the only writable bit)  +4 state table size (32-bit)
//   +8 R/W section size (64-bit)  +0x10 output section size (64-bit)
//
// In the device block, the register line's words after DEV_NOTIFIERS (device-layout.ts):
//   +84  Interrupt Control: written by the device's own thread, bit 0 cleared by a ringer's
//        delivery in one-shot mode (an atomic AND, which also claims that delivery)
//   +88  State (the device's own thread)
//   +92  Maximum Peers, +96 protocol, +100 output section size: from the server's INIT message
//   +104 where the device's own entry of the state table is in the shared memory (0: not mapped)
import { DEV_NOTIFIERS } from './device-layout.ts';
import { MSIX_CAP, PCI_CAP_MSIX_SIZEOF } from './pci-layout.ts';

export const V2_BAR0_SIZE = 0x1000;
export const V2_REG_ID = 0x00;
export const V2_REG_MAX_PEERS = 0x04;
export const V2_REG_INT_CTRL = 0x08;
export const V2_REG_DOORBELL = 0x0c;
export const V2_REG_STATE = 0x10;
export const V2_INT_ENABLE = 1;

export const PCI_CAP_ID_VNDR = 0x09;
export const V2_VNDR_CAP = MSIX_CAP + PCI_CAP_MSIX_SIZEOF;
export const V2_VNDR_LENGTH = 0x18;
export const V2_CAP_PRIV_CTRL = 3;
export const V2_CAP_STATE_TAB_SZ = 4;
export const V2_CAP_RW_SECTION_SZ = 8;
export const V2_CAP_OUTPUT_SECTION_SZ = 0x10;
export const V2_ONESHOT = 1;
// The state table the RFC's device maps: one page, read-only, at the start of the memory.
export const V2_STATE_TABLE_SIZE = 0x1000;
// The protocol types of the spec's class code (sub-class and prog-if).
export const V2_PROTOCOL_VIRTIO_FRONT = 0x8000;
export const V2_PROTOCOL_VIRTIO_BACK = 0xc000;

export const V2_INT_CTRL = DEV_NOTIFIERS + 4;
export const V2_STATE = DEV_NOTIFIERS + 8;
export const V2_MAX_PEERS = DEV_NOTIFIERS + 12;
export const V2_PROTOCOL = DEV_NOTIFIERS + 16;
export const V2_OUTPUT_SIZE = DEV_NOTIFIERS + 20;
export const V2_STATE_ENTRY = DEV_NOTIFIERS + 24;
