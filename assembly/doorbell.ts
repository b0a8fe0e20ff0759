// The doorbell path (QEMU's DOORBELL case in ivshmem_io_write, with ioeventfd and irqfd in the
// kernel): decode destination and vector, look the destination up in this device's own peer
// table, and signal the eventfd, which lands directly in the destination's interrupt logic.
// Writes to absent peers or vectors change nothing.
import {
  DEV_PEER_COUNT, DEV_VM_ID, DEV_INBOX, DEV_CONFIG, DEV_MODEL, MODEL_FLAT, GUEST_RING_DONE,
  GUEST_RING_INBOX, GUEST_RING_NOT_DECODED, GUEST_RING_WOKE,
} from './device-layout';
import { BROADCAST_2010, PCI_COMMAND, PCI_COMMAND_MEMORY } from './pci-layout';
import { PEER_NB_EVENTFDS } from './peer-layout';
import { INBOX_WRITE, INBOX_READ } from './inbox-layout';
import { takeWokeParked } from './cpu';
import { findPeer, peerSlot, peerIdAt, peerEntry, signalPeer } from './peers';
import { eventfdSignal } from './eventfd';
import { flatGuestRing } from './ivshmem-flat';
import { traceDoorbell, traceDoorbellDone } from './trace';

// Destination in bits 16..31, vector in the bits `vectorBits` keeps: QEMU's ivshmem decodes
// `val & 0xff`, not the 16 bits its spec gives; ivshmem-v2 decodes 16.
export function ringDoorbell(dev: u32, value: u32, vectorBits: u32 = 0xff): void {
  const vector = value & vectorBits;
  traceDoorbell(dev, value >>> 16, vector, value);
  signalPeer(dev, value >>> 16, vector);
  traceDoorbellDone();
}

// The 2010 device: destination in the high byte, an 8-bit value in the low byte, carried to the
// destination's IntrStatus; destination 255 rings every other live guest.
export function ringDoorbell2010(dev: u32, value: u32): void {
  const dest = (value >> 8) & 0xff;
  const payload = value & 0xff;
  traceDoorbell(dev, dest, 0, value);
  if (dest != BROADCAST_2010) {
    signalFirstVector(findPeer(dev, dest), payload);
    traceDoorbellDone();
    return;
  }
  const self = load<i32>(dev + DEV_VM_ID);
  const count = <u32>load<i32>(dev + DEV_PEER_COUNT);
  for (let i: u32 = 0; i < count; i++) {
    if (peerIdAt(dev, i) != self) signalFirstVector(peerEntry(dev, i), payload);
  }
  traceDoorbellDone();
}

function signalFirstVector(entry: u32, payload: u32): void {
  if (entry == 0 || load<i32>(entry + PEER_NB_EVENTFDS) == 0) return;
  eventfdSignal(peerSlot(entry, 0), payload);
}

// A guest's doorbell in one call (Guest.ring): the checks the register path makes in TypeScript
// (the server's messages taken first, Memory Space decoded) made here, then the doorbell. Returns
// GUEST_RING_DONE or GUEST_RING_WOKE (a parked guest was woken), or why it did nothing: the caller
// then takes the full path, which drains the inbox or throws the AccessError.
export function guestRing(dev: u32, value: u32): i32 {
  const inbox = dev + DEV_INBOX;
  if (atomic.load<i32>(inbox + INBOX_WRITE) != atomic.load<i32>(inbox + INBOX_READ)) return GUEST_RING_INBOX;
  if (load<i32>(dev + DEV_MODEL) == MODEL_FLAT) return flatGuestRing(dev, value);
  if ((<i32>atomic.load<u16>(dev + DEV_CONFIG + PCI_COMMAND) & PCI_COMMAND_MEMORY) == 0) return GUEST_RING_NOT_DECODED;
  takeWokeParked();
  ringDoorbell(dev, value);
  return takeWokeParked() ? GUEST_RING_WOKE : GUEST_RING_DONE;
}
