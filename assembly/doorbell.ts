// The doorbell path (QEMU's DOORBELL case in ivshmem_io_write, with ioeventfd and irqfd in the
// kernel): decode destination and vector, look the destination up in this device's own peer
// table, and signal the eventfd, which lands directly in the destination's interrupt logic.
// Writes to absent peers or vectors change nothing.
import { DEV_PEER_COUNT, DEV_VM_ID } from './device-layout';
import { BROADCAST_2010 } from './pci-layout';
import { PEER_NB_EVENTFDS } from './peer-layout';
import { takeWokeParked } from './cpu';
import { findPeer, peerSlot, peerIdAt, peerEntry, signalPeer } from './peers';
import { eventfdSignal } from './eventfd';
import { traceDoorbell, traceDoorbellDone } from './trace';

// Whether a doorbell rung on this thread since the last look found its destination not parked (a
// wasm global: each worker's own). The 'spin' wait policy reads it as "my peer may be spinning"
// (src/vm/wait-policy.ts), whether the guest rang with vm.ring or wrote the Doorbell register.
let rangUnparked = false;

export function takeRangUnparked(): bool {
  const rang = rangUnparked;
  rangUnparked = false;
  return rang;
}

// A decoded Doorbell (this one's or ivshmem-flat's): the peer's eventfd signalled, noting whether
// the destination was parked.
export function ringPeer(dev: u32, id: u32, vector: u32): void {
  takeWokeParked();
  signalPeer(dev, id, vector);
  if (!takeWokeParked()) rangUnparked = true;
}

// Destination in bits 16..31, vector in the bits `vectorBits` keeps: QEMU's ivshmem decodes
// `val & 0xff`, not the 16 bits its spec gives; ivshmem-v2 decodes 16.
export function ringDoorbell(dev: u32, value: u32, vectorBits: u32 = 0xff): void {
  const vector = value & vectorBits;
  traceDoorbell(dev, value >>> 16, vector, value);
  ringPeer(dev, value >>> 16, vector);
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
