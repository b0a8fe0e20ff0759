// The register path's calls into the core (access.ts): which handler an access goes to, and what a
// checked access found instead of doing it. Integer constants only, valid AssemblyScript and valid
// TypeScript, like every *-layout.ts; the caller is src/device/regions.ts.

// Handlers, as QEMU's MemoryRegionOps: BAR0's registers (ivshmem_io_read/write; the 2010 device's
// too), the MSI-X table, the MSI-X PBA, a virtio-mmio window, or none (an access that reaches no
// handler still makes the checks: MSI-X below its valid size, the gap between table and PBA, the
// memory BAR).
export const ACCESS_BAR0 = 0;
export const ACCESS_MSIX_TABLE = 1;
export const ACCESS_MSIX_PBA = 2;
export const ACCESS_VIRTIO_MMIO = 3;
export const ACCESS_NONE = 4;

// Refusals, negative so that a read's result says it too: the server's messages wait in a VM's
// inbox (the caller takes them first), or Memory Space Enable is clear (the caller throws).
export const ACCESS_INBOX = -1;
export const ACCESS_NOT_DECODED = -2;
