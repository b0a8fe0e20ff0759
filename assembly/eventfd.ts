// eventfd slots: a counter word per slot in shared memory. Signal adds and notifies, read takes
// and clears, as eventfd(2) does. A slot bound to a device (the device's own receive vectors)
// behaves as KVM's irqfd: each signal goes straight into that device's interrupt logic.
// Slots are reference counted like file descriptors: the server holds one reference and every
// device that received the handle holds one, so a slot is never reused while someone can ring it.
//
// A doorbell in flight while its destination is unplugged must not land in the block's next
// device (QEMU had a use-after-free there): a signal counts itself into the device's notifiers,
// then looks at the binding again, and only then acts. The host unbinds first and recycles a
// block only once its notifier count is back to 0 (src/device/blocks.ts), so whoever is still
// inside sees the binding gone, or is waited for.
//
// A signal may also come before its device binds the slot: a peer learns a newcomer's eventfds
// from the server before the newcomer has taken its own. eventfd(2) keeps such a count until
// someone reads it (QEMU's handler, or KVM's irqfd, which injects what is already there when it
// is assigned), so binding hands the count to the device, once: the signaller adds to the count
// and then looks at the binding again, the binder binds and then takes the count (Dekker), so at
// least one of them sees the other, and the exchange gives the count to only one.
import {
  EVENTFD_BASE, EVENTFD_STRIDE, EVENTFD_COUNT, EVENTFD_REFS, EVENTFD_BOUND_DEVICE,
  EVENTFD_BOUND_VECTOR, EVENTFD_WAITERS,
} from './eventfd-layout';
import { DEV_NOTIFIERS } from './device-layout';
import { vectorNotify } from './notify';

export function slotAddress(slot: u32): u32 {
  return EVENTFD_BASE + slot * EVENTFD_STRIDE;
}

export function eventfdSignal(slot: u32, value: u32): void {
  const at = slotAddress(slot);
  const device = <u32>atomic.load<i32>(at + EVENTFD_BOUND_DEVICE);
  if (device != 0) {
    deliver(at, device, value);
    return;
  }
  atomic.add<i32>(at + EVENTFD_COUNT, value);
  if (atomic.load<i32>(at + EVENTFD_WAITERS) > 0) atomic.notify(at + EVENTFD_COUNT);
  // Bound meanwhile: the binder may have taken the count before the add above.
  const late = <u32>atomic.load<i32>(at + EVENTFD_BOUND_DEVICE);
  if (late != 0) claimCount(at, late);
}

function deliver(at: u32, device: u32, value: u32): void {
  atomic.add<i32>(device + DEV_NOTIFIERS, 1);
  if (<u32>atomic.load<i32>(at + EVENTFD_BOUND_DEVICE) == device) {
    vectorNotify(device, <u32>atomic.load<i32>(at + EVENTFD_BOUND_VECTOR), value);
  }
  atomic.sub<i32>(device + DEV_NOTIFIERS, 1);
}

// What was counted while nobody was bound goes to the device bound now, once.
function claimCount(at: u32, device: u32): void {
  const count = <u32>atomic.xchg<i32>(at + EVENTFD_COUNT, 0);
  if (count != 0) deliver(at, device, count);
}

export function eventfdRead(slot: u32): u32 {
  return <u32>atomic.xchg<i32>(slotAddress(slot) + EVENTFD_COUNT, 0);
}

export function eventfdBind(slot: u32, device: u32, vector: u32): void {
  const at = slotAddress(slot);
  atomic.store<i32>(at + EVENTFD_BOUND_VECTOR, vector);
  atomic.store<i32>(at + EVENTFD_BOUND_DEVICE, device);
  claimCount(at, device);
}

export function eventfdUnbind(slot: u32, device: u32): void {
  atomic.cmpxchg<i32>(slotAddress(slot) + EVENTFD_BOUND_DEVICE, device, 0);
}

export function eventfdRef(slot: u32): void {
  atomic.add<i32>(slotAddress(slot) + EVENTFD_REFS, 1);
}

// Returns the references left; at 0 the slot is free for the host to hand out again.
export function eventfdUnref(slot: u32): i32 {
  return atomic.sub<i32>(slotAddress(slot) + EVENTFD_REFS, 1) - 1;
}
