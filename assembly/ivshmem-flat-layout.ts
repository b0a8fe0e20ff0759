// ivshmem-flat (QEMU 10.0's hw/misc/ivshmem-flat.c and include/hw/misc/ivshmem-flat.h): a sysbus
// device with no PCI function. Integer constants only, valid AssemblyScript and valid TypeScript,
// like every *-layout.ts.
//
// sysbus MMIO region 0, "ivshmem-mmio": 16 bytes of 32-bit little-endian registers, its handlers
// called with 4-byte accesses (.impl 4..4) at the access' own offset:
//   +0x0  INTMASK     reads 0, writes ignored ("all bits are reserved in rev 1")
//   +0x4  INTSTATUS   reads 0, writes ignored (the same)
//   +0x8  IVPOSITION  reads the device's own peer ID (16 bits); writes ignored
//   +0xc  DOORBELL    reads 0 ("write-only"); a write rings peer bits 31:16, vector bits 15:0
// sysbus MMIO region 1, "ivshmem-shmem": the server's memory, shmem-size bytes (4 MiB unless set).
// sysbus IRQ 0: one output line, pulsed (qemu_irq_pulse) for each event on the device's vector 0.
//
// The device keeps up to FLAT_VECTORS eventfds per peer (IVSHMEM_MAX_VECTOR_NUM): its peer table
// is sized for them, and the server's further ones are closed.
export const FLAT_MMIO_SIZE = 16;
export const FLAT_INTMASK = 0;
export const FLAT_INTSTATUS = 4;
export const FLAT_IVPOSITION = 8;
export const FLAT_DOORBELL = 12;
export const FLAT_VECTORS = 64;
