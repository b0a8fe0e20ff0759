// The eventfd slots (assembly/eventfd.ts). Integer constants only, valid AssemblyScript and valid
// TypeScript, like every *-layout.ts.
//
//   EVENTFD_BASE (0x2000): EVENTFD_SLOTS slots of EVENTFD_STRIDE (64) bytes, one cache line each so
//   ringing one slot never contends with its neighbours:
//     +0   count: what was signalled and not yet read (signallers add, a reader or a binder
//          exchanges it for 0)
//     +4   references: the server, each device that received the handle, each message in
//          flight that carries it; a slot at 0 is free for the host to hand out again
//     +8   bound device: the block whose vector the slot rings directly (KVM's irqfd), 0 if none
//          (a device binds the slots of its own vectors, and unbinds them when it goes)
//     +12  bound vector
//     +16  waiters: the host's waits on the count (ivshmem-client's Atomics.waitAsync), so that a
//          signal notifies only when someone waits
export const EVENTFD_BASE = 0x2000;
export const EVENTFD_SLOTS = 4096;
export const EVENTFD_STRIDE = 64;
export const EVENTFD_COUNT = 0;
export const EVENTFD_REFS = 4;
export const EVENTFD_BOUND_DEVICE = 8;
export const EVENTFD_BOUND_VECTOR = 12;
export const EVENTFD_WAITERS = 16;
