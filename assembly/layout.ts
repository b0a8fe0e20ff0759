// The memory map of the shared WebAssembly.Memory, for TypeScript: every offset, size and code the
// core and the host share, re-exported from the files that own them (`import * as L`). Each of
// those draws its part; none is written twice.
//
//   header-layout.ts       the whole memory's map; the header (magic, version, size, accelerator)
//   trace-layout.ts        the trace's on/off word and directory, a thread's ring, event kinds
//   eventfd-layout.ts      the eventfd slots
//   device-layout.ts       a device block: models, features, registers, interrupt state, where
//                          its config space, MSI-X table, inbox and ring states are
//   pci-layout.ts          config space offsets and bits, MSI-X, BAR0's registers
//   peer-layout.ts         a device's peer table
//   inbox-layout.ts        a VM's server inbox
//   access-layout.ts       the register path's one call: handlers and refusals
//   virtio-mmio-layout.ts  the virtio-mmio register window and the transport's state
//   sdm-layout.ts          virtio-sdm: its config, signals, lanes, outbox, slave table, counters, RAM
//   ivshmem-flat-layout.ts ivshmem-flat's register window
//   ivshmem-v2-layout.ts   ivshmem-v2: its registers, its vendor capability, its words in the block
//   (ring-layout.ts, the rings' constants, is imported on its own: `import * as R`)
//
// The core's modules import the owner files, never this one: asc resolves an import of './x.ts'
// but not a re-export from it, and TypeScript needs the extension here, which the library build
// rewrites to '.js' for Node.
export * from './header-layout.ts';
export * from './trace-layout.ts';
export * from './eventfd-layout.ts';
export * from './device-layout.ts';
export * from './pci-layout.ts';
export * from './peer-layout.ts';
export * from './inbox-layout.ts';
export * from './access-layout.ts';
export * from './virtio-mmio-layout.ts';
export * from './sdm-layout.ts';
export * from './ivshmem-flat-layout.ts';
export * from './ivshmem-v2-layout.ts';
