// ivshmem-wasm: QEMU's inter-VM shared memory devices, emulated over one shared WebAssembly.Memory.
// This is the package's one door: what it exports is the public API; everything else is internal.
export { Host, type HostOptions, type HostResources } from './host.ts';
export { Device, type Bar, type Region32, type InterruptView } from './device/device.ts';
export type { DeviceLayout, BarLayout, BarKind, MemoryPlace } from './device/layout.ts';
export type { DeviceSnapshot, VectorSnapshot } from './device/snapshot.ts';
export { Server, type ServerOptions, type ServerLogEntry, type ServerConnection, type ServerEndpoint } from './server/server.ts';
export { MemoryBackend } from './memory/backend.ts';
export { BusDevice, type Machine } from './pci/topology.ts';
export { QemuError, AccessError } from './errors.ts';
export type { ServerMessage, Handle, MessageSink } from './server/protocol.ts';
export { IvshmemClient, type Notification } from './server/ivshmem-client.ts';
export * as layout from '../assembly/layout.ts';
export * as driver from './driver/pci-driver.ts';
export { Vm, type SpawnOptions, type VmCounters } from './vm/vm.ts';
export type { VmInspection } from './vm/protocol.ts';
export { LinuxVm, type WaitForOptions } from './linux/linux-vm.ts';
export type { LinuxOptions, LinuxImage } from './linux/protocol.ts';
export { Guest, STOPPED, type WaitMode, type WaitOptions } from './vm/guest.ts';
export type { SpinStats } from './vm/wait-policy.ts';
export { Tracer } from './trace/tracer.ts';
export type { TraceEvent, TraceKind, RejectReason } from './trace/event.ts';
export { VirtqueueDriver, VirtqueueDevice, splitLayout, type VirtqueueOptions, type VqBuffer, type VqChain, type SplitLayout } from './ring/virtqueue.ts';
export { RingBrokenError, type RingContext, type RingRegion } from './ring/ring-core.ts';
export { ringContext } from './ring/context.ts';
export type { RingCore } from './core/core.ts';
export * as ringLayout from '../assembly/ring-layout.ts';
export { MessageProducer, MessageConsumer, formatMessageRing, messageRingBytes, type MessageRingOptions } from './ring/message-ring.ts';
export { futexDoorbell, type Doorbell } from './ring/doorbell.ts';
export { guestRings, GuestRings, vmDoorbell, type GuestRingOptions } from './vm/guest-rings.ts';
export { SdmDriver, SdmError, SDM_IRQ, SDM_BOOT, type SdmSignal, type SdmSetupOptions } from './models/virtio-sdm/driver.ts';
export type { GuestSdm, NextOptions } from './models/virtio-sdm/guest-sdm.ts';
export type { SdmView, SdmCounters } from './models/virtio-sdm/view.ts';
export type { SdmSocketChannel, ChannelState } from './models/virtio-sdm/socket-channel.ts';
export type { SdmSocketOptions } from './chardev/sdm-socket.ts';
// What models add to Device, Guest and SpawnOptions (device.sdm, vm.sdm, boot: 'sdm').
import './models/virtio-sdm/public-api.ts';
