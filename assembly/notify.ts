// The receiving side of a doorbell (QEMU's ivshmem_vector_notify): an event on one of the
// device's own vectors becomes an MSI-X message, or sets IntrStatus on a pin-based device.
// With MSI-X disabled, under TCG the event is dropped (ivshmem_vector_notify checks
// msix_enabled); under KVM nobody reads the eventfd until the guest enables MSI-X, and then the
// irqfd fires for an unmasked vector, or ivshmem_vector_poll makes a masked one pending: so here
// the event goes to msixNotify, which keeps it in the PBA while MSI-X is off (a disabled function
// counts as masked) and sends it when enabled and unmasked. Lock-free: see msix.ts and intx.ts.
import { HEADER_ACCEL, ACCEL_KVM } from './header-layout';
import { TRACE_DELIVER, TRACE_DROPPED_EVENT } from './trace-layout';
import {
  DEV_FEATURES, DEV_MODEL, DEV_INTRSTATUS, DEV_IRQ_DROPPED, FEATURE_MSIX, FEATURE_X_POLL,
  FEATURE_PULSE, MODEL_2010, MODEL_V2,
} from './device-layout';
import { msixEnabled, msixNotify } from './msix';
import { updateIntx } from './intx';
import { raiseVector } from './cpu';
import { traceDevice } from './trace';
import { v2Notify } from './ivshmem-v2-irq';

export function vectorNotify(dev: u32, vector: u32, value: u32): void {
  if (atomic.load<i32>(dev + DEV_MODEL) == MODEL_V2) return v2Notify(dev, vector);
  const features = atomic.load<i32>(dev + DEV_FEATURES);
  // A pulsed line (ivshmem-flat): the event is one pulse of the device's only IRQ.
  if ((features & FEATURE_PULSE) != 0) {
    raiseVector(dev, 0);
    return;
  }
  // x-poll: IntrStatus (reserved in revision 1) latches one bit per vector below 32 whatever the
  // MSI-X state, and reading it clears it, so a guest can poll without interrupts.
  if ((features & FEATURE_X_POLL) != 0 && vector < 32) atomic.or<i32>(dev + DEV_INTRSTATUS, 1 << vector);
  if ((features & FEATURE_MSIX) != 0) {
    if (msixEnabled(dev) || atomic.load<i32>(HEADER_ACCEL) == ACCEL_KVM) msixNotify(dev, vector);
    else {
      atomic.add<i32>(dev + DEV_IRQ_DROPPED, 1);
      traceDevice(TRACE_DROPPED_EVENT, dev, vector);
    }
  } else {
    // The 2010 device latches the sender's 8-bit value; later ones latch 1 and lose the vector.
    const status = atomic.load<i32>(dev + DEV_MODEL) == MODEL_2010 ? value & 0xff : 1;
    atomic.store<i32>(dev + DEV_INTRSTATUS, status);
    traceDevice(TRACE_DELIVER, dev, 0);
    updateIntx(dev);
  }
}
