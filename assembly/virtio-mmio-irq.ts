// The virtio-mmio transport's interrupt, as the device behind it raises it. Kept apart from the
// register window (virtio-mmio.ts), which calls into the device (sdm.ts): the device needs only
// this of its transport, so the two never import each other.
//
// The line is level-triggered and high while InterruptStatus is non-zero (virtio_mmio_update_irq):
// InterruptStatus is the block's DEV_INTRSTATUS with DEV_INTRMASK all ones, so the line, its
// delivered count and the wake-up of a waiting guest are the lock-free INTx logic of intx.ts.
import { DEV_INTRSTATUS } from './device-layout';
import { VMMIO_STATUS, VIRTIO_STATUS_NEEDS_RESET, VIRTIO_ISR_CONFIG } from './virtio-mmio-layout';
import { updateIntx } from './intx';

// Any thread: a sender, or the device's own.
export function raiseIsr(dev: u32, bits: u32): void {
  atomic.or<i32>(dev + DEV_INTRSTATUS, bits);
  updateIntx(dev);
}

// A broken ring: the device needs a reset, and says so with a configuration change interrupt.
export function needsReset(dev: u32): void {
  atomic.or<i32>(dev + VMMIO_STATUS, VIRTIO_STATUS_NEEDS_RESET);
  raiseIsr(dev, VIRTIO_ISR_CONFIG);
}
