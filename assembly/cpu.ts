// The guest CPU's side of interrupt delivery: an interrupt request register (one bit per vector)
// that a delivered message sets and the guest takes, plus a sequence word the guest parks on.
// The notify is issued only when someone is parked: an unneeded notify still costs a syscall.
import {
  DEV_IRR, DEV_IRQ_SEQ, DEV_IRQ_WAITERS, DEV_DELIVERED, DEV_FEATURES, DEV_INTX_LEVEL,
  DEV_CONFIG, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, FEATURE_MSIX, DEV_STOP, WAIT_STOPPED,
  WAIT_TIMEOUT,
} from './layout';
import { now } from './clock';
import { traceDevice } from './trace';
import { TRACE_DELIVER } from './layout';

export function raiseVector(dev: u32, vector: u32): void {
  atomic.or<i32>(dev + DEV_IRR + ((vector >> 5) << 2), 1 << (vector & 31));
  atomic.add<i32>(dev + DEV_DELIVERED + (vector << 2), 1);
  traceDevice(TRACE_DELIVER, dev, vector);
  kick(dev);
}

// Wakes whoever waits on the device: a new message or a rising INTx line.
export function kick(dev: u32): void {
  atomic.add<i32>(dev + DEV_IRQ_SEQ, 1);
  if (atomic.load<i32>(dev + DEV_IRQ_WAITERS) > 0) {
    atomic.notify(dev + DEV_IRQ_SEQ);
  }
}

// INTx is level-triggered: it fires for as long as the line is asserted and not disabled in the
// Command register. A handler that never clears IntrStatus sees it again, as on hardware.
export function intxAsserted(dev: u32): bool {
  if (atomic.load<i32>(dev + DEV_INTX_LEVEL) == 0) return false;
  return (<i32>atomic.load<u16>(dev + DEV_CONFIG + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE) == 0;
}

// Takes one interrupt, the lowest vector first: returns the vector, or -1 when none is pending.
export function takeInterrupt(dev: u32, vectors: u32): i32 {
  if ((atomic.load<i32>(dev + DEV_FEATURES) & FEATURE_MSIX) == 0) {
    return intxAsserted(dev) ? 0 : -1;
  }
  const words = (vectors + 31) >> 5;
  for (let w: u32 = 0; w < words; w++) {
    const ptr = dev + DEV_IRR + (w << 2);
    let bits = atomic.load<i32>(ptr);
    while (bits != 0) {
      const bit = ctz<i32>(bits);
      const old = atomic.and<i32>(ptr, ~(1 << bit));
      if ((old & (1 << bit)) != 0) return <i32>((w << 5) + bit);
      bits = atomic.load<i32>(ptr);
    }
  }
  return -1;
}

// Blocks the calling worker until an interrupt is taken (its vector), timeoutNs passes
// (WAIT_TIMEOUT; -1 = forever) or the host stops the VM (WAIT_STOPPED). spinNs > 0 first polls
// for that long, which beats a park/wake round trip when the reply comes quickly.
export function waitInterrupt(dev: u32, vectors: u32, timeoutNs: i64, spinNs: i64): i32 {
  const start = now();
  const spinUntil = start + <f64>spinNs / 1e6;
  const deadline = timeoutNs < 0 ? Infinity : start + <f64>timeoutNs / 1e6;
  let polls: u32 = 0;
  while (true) {
    const seq = atomic.load<i32>(dev + DEV_IRQ_SEQ);
    const taken = takeInterrupt(dev, vectors);
    if (taken >= 0) return taken;
    if (atomic.load<i32>(dev + DEV_STOP) != 0) return WAIT_STOPPED;
    // The clock is an import call: while spinning, look at it only every 64 polls.
    if ((++polls & 63) != 0 && spinUntil > start) continue;
    const t = now();
    if (t >= deadline) return WAIT_TIMEOUT;
    if (t < spinUntil) continue;
    atomic.add<i32>(dev + DEV_IRQ_WAITERS, 1);
    const left = deadline == Infinity ? <i64>-1 : <i64>((deadline - t) * 1e6);
    atomic.wait<i32>(dev + DEV_IRQ_SEQ, seq, left);
    atomic.sub<i32>(dev + DEV_IRQ_WAITERS, 1);
  }
}
