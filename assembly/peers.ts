// A device's peer table, filled from the server's messages: for each peer ID, the eventfd slots
// that ring it, one per vector in the order received. Only the device's own VM reads or writes
// it (the protocol is handled where the device lives), so it needs no atomics. The table lives
// outside the device block, where the host put it at realize (DEV_PEER_TABLE), with room for
// DEV_PEER_CAPACITY peers of DEV_PEER_STRIDE bytes each.
import { DEV_PEER_TABLE, DEV_PEER_CAPACITY, DEV_PEER_STRIDE, DEV_PEER_COUNT } from './device-layout';
import { PEER_ID, PEER_NB_EVENTFDS, PEER_SLOTS } from './peer-layout';
import { eventfdRef, eventfdUnref, eventfdSignal } from './eventfd';

export function peerEntry(dev: u32, index: u32): u32 {
  return <u32>load<i32>(dev + DEV_PEER_TABLE) + index * <u32>load<i32>(dev + DEV_PEER_STRIDE);
}

export function findPeer(dev: u32, id: u32): u32 {
  const count = <u32>load<i32>(dev + DEV_PEER_COUNT);
  const stride = <u32>load<i32>(dev + DEV_PEER_STRIDE);
  let entry = <u32>load<i32>(dev + DEV_PEER_TABLE);
  for (let i: u32 = 0; i < count; i++, entry += stride) {
    if (<u32>load<i32>(entry + PEER_ID) == id) return entry;
  }
  return 0;
}

export function peerEventfdCount(dev: u32, id: u32): i32 {
  const entry = findPeer(dev, id);
  return entry == 0 ? 0 : load<i32>(entry + PEER_NB_EVENTFDS);
}

export function peerSlot(entry: u32, vector: u32): u32 {
  return <u32>load<i32>(entry + PEER_SLOTS + (vector << 2));
}

// What every Doorbell decoding ends in: the peer's eventfd for that vector is signalled, if this
// device knows the peer and holds an eventfd of it for the vector; otherwise nothing happens.
export function signalPeer(dev: u32, id: u32, vector: u32): void {
  const entry = findPeer(dev, id);
  if (entry != 0 && vector < <u32>load<i32>(entry + PEER_NB_EVENTFDS)) eventfdSignal(peerSlot(entry, vector), 1);
}

// Appends the next vector's eventfd for peer id. Returns the vector, or -1 when the table has
// no room (DEV_PEER_CAPACITY peers, as many eventfds per peer as an entry holds).
export function peerAddEventfd(dev: u32, id: u32, slot: u32): i32 {
  let entry = findPeer(dev, id);
  if (entry == 0) {
    const count = <u32>load<i32>(dev + DEV_PEER_COUNT);
    if (count >= <u32>load<i32>(dev + DEV_PEER_CAPACITY)) return -1;
    entry = peerEntry(dev, count);
    store<i32>(entry + PEER_ID, id);
    store<i32>(entry + PEER_NB_EVENTFDS, 0);
    store<i32>(dev + DEV_PEER_COUNT, count + 1);
  }
  const vector = load<i32>(entry + PEER_NB_EVENTFDS);
  if (vector >= (load<i32>(dev + DEV_PEER_STRIDE) - PEER_SLOTS) >> 2) return -1;
  eventfdRef(slot);
  store<i32>(entry + PEER_SLOTS + (vector << 2), slot);
  store<i32>(entry + PEER_NB_EVENTFDS, vector + 1);
  return vector;
}

// close_peer_eventfds: drops the peer and its eventfd references; the last entry fills the gap.
export function peerRemove(dev: u32, id: u32): void {
  const entry = findPeer(dev, id);
  if (entry == 0) return;
  const n = <u32>load<i32>(entry + PEER_NB_EVENTFDS);
  for (let v: u32 = 0; v < n; v++) eventfdUnref(peerSlot(entry, v));
  const count = <u32>load<i32>(dev + DEV_PEER_COUNT) - 1;
  const last = peerEntry(dev, count);
  if (last != entry) memory.copy(entry, last, <u32>load<i32>(dev + DEV_PEER_STRIDE));
  store<i32>(dev + DEV_PEER_COUNT, count);
}

export function peerIdAt(dev: u32, index: u32): i32 {
  return load<i32>(peerEntry(dev, index) + PEER_ID);
}
