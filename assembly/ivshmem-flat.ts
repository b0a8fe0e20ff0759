// ivshmem-flat's register window (QEMU 10.0's ivshmem_flat_iomem_read/_write): the handlers see a
// 4-byte access at its own offset (the caller, src/device/access.ts, cuts accesses as QEMU's memory
// core does for .impl 4..4), and decode only the four exact offsets: anything else reads 0 and
// writes nothing. The Doorbell's vector is 16 bits here (`value & 0xFFFF`), where PCI ivshmem
// decodes 8.
//
// QEMU indexes the peer's 64-entry eventfd array with that vector unchecked: a vector the peer has
// no eventfd for but below 64 is an uninitialised notifier (event_notifier_set returns -1: nothing
// happens), one of 64 or more reads past the array. Here every vector the peer has no eventfd for
// is ignored, as the first case is in QEMU (README, "Where it differs").
import { DEV_VM_ID, GUEST_RING_DONE, GUEST_RING_WOKE } from './device-layout';
import { FLAT_IVPOSITION, FLAT_DOORBELL } from './ivshmem-flat-layout';
import { signalPeer } from './peers';
import { takeWokeParked } from './cpu';
import { traceDoorbell, traceDoorbellDone } from './trace';

export function flatRead(dev: u32, offset: u32): u32 {
  // IVPOSITION is s->own.id, a uint16_t; INTMASK and INTSTATUS are reserved, DOORBELL write-only
  return offset == FLAT_IVPOSITION ? <u32>atomic.load<i32>(dev + DEV_VM_ID) & 0xffff : 0;
}

export function flatWrite(dev: u32, offset: u32, value: u32): void {
  if (offset == FLAT_DOORBELL) flatDoorbell(dev, value);
}

function flatDoorbell(dev: u32, value: u32): void {
  traceDoorbell(dev, value >>> 16, value & 0xffff, value);
  signalPeer(dev, value >>> 16, value & 0xffff);
  traceDoorbellDone();
}

// Guest.ring's one call, for ivshmem-flat (assembly/doorbell.ts's guestRing hands it over once the
// inbox is empty): the window of a sysbus device is always decoded.
export function flatGuestRing(dev: u32, value: u32): i32 {
  takeWokeParked();
  flatDoorbell(dev, value);
  return takeWokeParked() ? GUEST_RING_WOKE : GUEST_RING_DONE;
}
