// The ivshmem-wasm core: every export takes a device block or eventfd slot address in the shared
// memory and keeps no state of its own, so every worker can instantiate it over the same memory.
export { configRead, configWrite } from './pci-config';
export { bar0Read, bar0Write } from './registers';
export { isPending as msixIsPending, vectorMasked as msixVectorMasked } from './msix';
export {
  eventfdSignal, eventfdRead, eventfdBind, eventfdUnbind, eventfdRef, eventfdUnref,
} from './eventfd';
export { peerAddEventfd, peerRemove, peerEventfdCount, findPeer } from './peers';
export { takeInterrupt, takeWaitParked, waitInterrupt } from './cpu';
export { vectorNotify } from './notify';
export { takeRangUnparked } from './doorbell';
export {
  accessCheck, accessRead, accessWrite, accessRead64, accessWrite64, lastRefusal, handlerRead, handlerWrite,
  memoryRead64, memoryWrite64,
} from './access';
export { deviceReset } from './reset';
export { traceThread, traceEmit } from './trace';
// Rings over shared memory (assembly/virtqueue.ts, assembly/ring.ts): each takes the address of
// its caller's private state block.
export {
  vqInit, vqDriverAdd, vqDriverPublish, vqDriverGetUsed, vqDriverSetInterrupts,
  vqDevicePop, vqDevicePush, vqDevicePublish, vqDeviceSetNotify,
} from './virtqueue';
export {
  ringFormat, ringAttach, ringReserve, ringCommit, ringWrite, ringPublish, ringPrepareSpaceWait, ringPeek,
  ringConsume, ringRead, ringRelease, ringPrepareWait,
} from './ring';
// virtio-sdm: the virtio-mmio window (bar(0)) and the group and signal entry points the host uses.
export { virtioMmioRealize as sdmInit } from './virtio-mmio';
export { sdmAttach, sdmSetRemoteSlave, sdmLeave, sdmSetRemoteMaster, sdmSend, sdmReceive } from './sdm';
