// ivshmem-v2's receiving side: an event on one of its own vectors (a peer's doorbell, a peer's
// state change or departure on vector 0) becomes an MSI-X message, as the RFC's
// ivshmem_vector_notify and Jailhouse's ivshmem_trigger_interrupt decide it:
//   - nothing unless Interrupt Control bit 0 is set; in one-shot mode (bit 0 of the vendor
//     capability's privileged control) the delivery clears it, whether the message then goes out
//     or not;
//   - the message goes out only while MSI-X is enabled, the vector unmasked and Bus Master on;
//     otherwise it is dropped: the device has no notion of pending interrupts and its PBA reads 0,
//     as the spec says and Jailhouse does (the RFC's msix_notify would set the PBA bit instead).
// Lock-free (docs/architecture.md, "The lock rule"): in one-shot mode a ringer claims the enable
// bit with one atomic AND, so of two peers ringing at once exactly one delivers (Jailhouse holds a
// spinlock there).
import { TRACE_DROPPED_EVENT } from './trace-layout';
import { DEV_CONFIG, DEV_IRQ_DROPPED } from './device-layout';
import { V2_INT_CTRL, V2_INT_ENABLE, V2_VNDR_CAP, V2_CAP_PRIV_CTRL, V2_ONESHOT } from './ivshmem-v2-layout';
import { msixEnabled, vectorMasked, sendMessage } from './msix';
import { traceDevice } from './trace';

function oneShot(dev: u32): bool {
  return (<i32>atomic.load<u8>(dev + DEV_CONFIG + V2_VNDR_CAP + V2_CAP_PRIV_CTRL) & V2_ONESHOT) != 0;
}

export function v2Notify(dev: u32, vector: u32): void {
  const control = dev + V2_INT_CTRL;
  const enabled = oneShot(dev) ? atomic.and<i32>(control, ~V2_INT_ENABLE) : atomic.load<i32>(control);
  if ((enabled & V2_INT_ENABLE) == 0 || !msixEnabled(dev) || vectorMasked(dev, vector)) {
    atomic.add<i32>(dev + DEV_IRQ_DROPPED, 1);
    traceDevice(TRACE_DROPPED_EVENT, dev, vector);
    return;
  }
  sendMessage(dev, vector);
}
