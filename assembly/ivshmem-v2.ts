// ivshmem-v2's registers (BAR0), as the spec and the RFC's ivshmem_io_read and ivshmem_io_write
// decode them. The caller (src/device/regions.ts) lets only aligned 32-bit accesses through, as
// the spec allows; an offset without a register reads 0 and ignores writes. Register accesses and
// resets run on the device's own thread; what a peer receives is ivshmem-v2-irq.ts.
import { DEV_VM_ID, DEV_PEER_COUNT } from './device-layout';
import { PEER_ID, PEER_NB_EVENTFDS } from './peer-layout';
import {
  V2_REG_ID, V2_REG_MAX_PEERS, V2_REG_INT_CTRL, V2_REG_DOORBELL, V2_REG_STATE, V2_INT_ENABLE,
  V2_INT_CTRL, V2_STATE, V2_MAX_PEERS, V2_STATE_ENTRY,
} from './ivshmem-v2-layout';
import { peerEntry, peerSlot } from './peers';
import { eventfdSignal } from './eventfd';
import { ringDoorbell } from './doorbell';
import { traceDoorbell, traceDoorbellDone } from './trace';

export function v2Read(dev: u32, offset: u32): u32 {
  if (offset == V2_REG_ID) return <u32>atomic.load<i32>(dev + DEV_VM_ID);
  if (offset == V2_REG_MAX_PEERS) return <u32>load<i32>(dev + V2_MAX_PEERS);
  if (offset == V2_REG_INT_CTRL) return <u32>atomic.load<i32>(dev + V2_INT_CTRL);
  if (offset == V2_REG_STATE) return <u32>atomic.load<i32>(dev + V2_STATE);
  return 0;
}

export function v2Write(dev: u32, offset: u32, value: u32): void {
  if (offset == V2_REG_INT_CTRL) atomic.store<i32>(dev + V2_INT_CTRL, value & V2_INT_ENABLE);
  // The spec's vector is bits 0..15 (the RFC decodes the low 8, as ivshmem v1 does).
  else if (offset == V2_REG_DOORBELL) ringDoorbell(dev, value, 0xffff);
  else if (offset == V2_REG_STATE) v2WriteState(dev, value);
}

// ivshmem_write_state: the value goes into the device's entry of the state table first (a peer
// that takes the interrupt reads it there), and only a change rings vector 0 of every other peer
// that has eventfds; a peer tells a state change from a doorbell by the table.
function v2WriteState(dev: u32, state: u32): void {
  const entry = <u32>load<i32>(dev + V2_STATE_ENTRY);
  if (entry != 0) atomic.store<i32>(entry, state);
  if (<u32>atomic.xchg<i32>(dev + V2_STATE, state) == state) return;
  const self = atomic.load<i32>(dev + DEV_VM_ID);
  const count = <u32>load<i32>(dev + DEV_PEER_COUNT);
  for (let i: u32 = 0; i < count; i++) {
    const peer = peerEntry(dev, i);
    const id = load<i32>(peer + PEER_ID);
    if (id == self || load<i32>(peer + PEER_NB_EVENTFDS) == 0) continue;
    traceDoorbell(dev, id, 0, state);
    eventfdSignal(peerSlot(peer, 0), 1);
    traceDoorbellDone();
  }
}

// ivshmem_reset, after the PCI function's own reset: interrupts off, and the state back to 0,
// which the other peers hear about as any state change.
export function v2Reset(dev: u32): void {
  atomic.store<i32>(dev + V2_INT_CTRL, 0);
  v2WriteState(dev, 0);
}
