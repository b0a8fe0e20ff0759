// ivshmem-wasm: QEMU's inter-VM shared memory devices, emulated over one shared WebAssembly.Memory.
export { Host, type HostOptions, type HostResources } from './host.ts';
export { Device, type Bar, type Region32, type InterruptView } from './device/device.ts';
export { Server, type ServerOptions, type ServerLogEntry, type ServerConnection, type ServerEndpoint } from './server/server.ts';
export { MemoryBackend } from './memory/backend.ts';
export { BusDevice, type Machine } from './pci/topology.ts';
export { QemuError, AccessError } from './errors.ts';
export type { ServerMessage, Handle, MessageSink } from './server/protocol.ts';
export { IvshmemClient, type Notification } from './server/ivshmem-client.ts';
export * as layout from '../assembly/layout.ts';
export * as driver from './driver/pci-driver.ts';
export { Vm, type SpawnOptions, type VmCounters } from './vm/spawn.ts';
export type { VmInspection } from './vm/protocol.ts';
export { Guest, STOPPED, type WaitMode, type WaitOptions } from './vm/guest.ts';
export { Tracer } from './trace/tracer.ts';
export type { TraceEvent, TraceKind } from './trace/event.ts';
export { VirtqueueDriver, VirtqueueDevice, splitLayout, type VirtqueueOptions, type VqBuffer, type VqChain, type SplitLayout } from './ring/virtqueue.ts';
export { RingBrokenError, type RingContext, type RingRegion } from './ring/ring-core.ts';
export * as ringLayout from '../assembly/ring-layout.ts';
