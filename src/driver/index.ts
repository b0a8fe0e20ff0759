// The usual driver steps (`driver` in the package, `vm.driver` in a guest): the PCI ones every
// ivshmem driver takes (pci-driver.ts), and ivshmem-v2's as `driver.v2` (ivshmem-v2.ts).
export * from './pci-driver.ts';
/** ivshmem-v2's driver steps: probe, enableInterrupts, setState, peerState, setInterrupts, setOneShot, NetHandshake (ivshmem-net's RESET, INIT, READY, RUN). */
export * as v2 from './ivshmem-v2.ts';
