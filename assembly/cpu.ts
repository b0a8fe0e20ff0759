// The guest CPU's side of interrupt delivery: an interrupt request register (one bit per vector)
// that a delivered message sets and the guest takes, plus a sequence word a parked guest sleeps on.
//
// A polling guest reads only the IRR line, so a delivery costs the ringer one cache-line transfer
// there; the sequence word and the notify (a system call) are paid only when the guest is parked.
// Parking and delivering meet Dekker-style on two words, with sequentially consistent atomics:
//   guest:   waiters += 1; seq = load(SEQ); look at the IRR;  wait(SEQ, seq)
//   ringer:  set the IRR bit;              if waiters > 0 { SEQ += 1; notify(SEQ) }
// Either the ringer sees the guest counted (and moves SEQ, so the wait cannot sleep on the old
// value), or the guest's look at the IRR comes after the bit was set: no wake-up is lost.
import { TRACE_DELIVER } from './trace-layout';
import {
  DEV_IRR, DEV_IRQ_SEQ, DEV_IRQ_WAITERS, DEV_DELIVERED, DEV_FEATURES, DEV_INTX_LEVEL, DEV_CONFIG,
  FEATURE_MSIX, FEATURE_PULSE, DEV_STOP, WAIT_STOPPED, WAIT_TIMEOUT,
} from './device-layout';
import { PCI_COMMAND, PCI_COMMAND_INTX_DISABLE } from './pci-layout';
import { now } from './clock';
import { traceDevice } from './trace';

export function raiseVector(dev: u32, vector: u32): void {
  atomic.or<i32>(dev + DEV_IRR + ((vector >> 5) << 2), 1 << (vector & 31));
  atomic.add<i32>(dev + DEV_DELIVERED + (vector << 2), 1);
  traceDevice(TRACE_DELIVER, dev, vector);
  kick(dev);
}

// Whether a kick on this thread found its guest parked since the last look (a wasm global: each
// worker's own), for guestRing to tell its caller.
let wokeParked = false;

export function takeWokeParked(): bool {
  const woke = wokeParked;
  wokeParked = false;
  return woke;
}

// Wakes the guest if it is parked: a new message or a rising INTx line (set before this call).
export function kick(dev: u32): void {
  if (atomic.load<i32>(dev + DEV_IRQ_WAITERS) > 0) {
    wokeParked = true;
    atomic.add<i32>(dev + DEV_IRQ_SEQ, 1);
    atomic.notify(dev + DEV_IRQ_SEQ);
  }
}

// INTx is level-triggered: it fires for as long as the line is asserted and not disabled in the
// Command register. A handler that never clears IntrStatus sees it again, as on hardware.
export function intxAsserted(dev: u32): bool {
  if (atomic.load<i32>(dev + DEV_INTX_LEVEL) == 0) return false;
  return (<i32>atomic.load<u16>(dev + DEV_CONFIG + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE) == 0;
}

// Takes one interrupt, the lowest vector first: returns the vector, or -1 when none is pending. A
// pulsed line's pending pulse is vector 0 of the IRR.
export function takeInterrupt(dev: u32, vectors: u32): i32 {
  if ((atomic.load<i32>(dev + DEV_FEATURES) & (FEATURE_MSIX | FEATURE_PULSE)) == 0) {
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
// the IRR for that long, which beats a park/wake round trip when the reply comes quickly.
export function waitInterrupt(dev: u32, vectors: u32, timeoutNs: i64, spinNs: i64): i32 {
  let taken = takeInterrupt(dev, vectors);
  if (taken >= 0) return taken;
  // Parking at once with no deadline (the 'block' mode) never needs the clock, an import call.
  const spinning = spinNs > 0;
  const clocked = spinning || timeoutNs >= 0;
  const start = clocked ? now() : 0;
  const spinUntil = start + <f64>spinNs / 1e6;
  const deadline = timeoutNs < 0 ? Infinity : start + <f64>timeoutNs / 1e6;
  let polls: u32 = 0;
  let parked = false;
  while (true) {
    taken = takeInterrupt(dev, vectors);
    if (taken >= 0) return taken;
    // The stop word and the clock (an import call) are looked at every 256 polls only.
    if (spinning && (++polls & 255) != 0) continue;
    if (atomic.load<i32>(dev + DEV_STOP) != 0) return WAIT_STOPPED;
    // Parking at once with a deadline reads the clock once, at the start: a read costs ~0.7 us
    // in a Chromium worker (performance.now() is coarsened there), a tenth of a wake-up.
    const t = clocked && (spinning || parked) ? now() : start;
    if (t >= deadline) return WAIT_TIMEOUT;
    if (t < spinUntil) continue;
    atomic.add<i32>(dev + DEV_IRQ_WAITERS, 1);
    const seq = atomic.load<i32>(dev + DEV_IRQ_SEQ);
    taken = takeInterrupt(dev, vectors);
    if (taken < 0 && atomic.load<i32>(dev + DEV_STOP) == 0) {
      const left = deadline == Infinity ? <i64>-1 : <i64>((deadline - t) * 1e6);
      atomic.wait<i32>(dev + DEV_IRQ_SEQ, seq, left);
      parked = true;
    }
    atomic.sub<i32>(dev + DEV_IRQ_WAITERS, 1);
    if (taken >= 0) return taken;
  }
}
