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
// worker's own), for ringDoorbell to tell whether it woke its destination.
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
// Whether this thread's last waitInterrupt parked (a wasm global: each worker's own): the 'spin'
// policy's untimed waits learn from it that their spin ran out (src/vm/wait-policy.ts).
let waitParked = false;

export function takeWaitParked(): bool {
  const parked = waitParked;
  waitParked = false;
  return parked;
}

export function waitInterrupt(dev: u32, vectors: u32, timeoutNs: i64, spinNs: i64): i32 {
  waitParked = false;
  let taken = takeInterrupt(dev, vectors);
  if (taken >= 0) return taken;
  // Parking at once (the 'block' mode) never reads the clock, an import call (~0.7 us in a
  // Chromium worker, 0.2 us in Node on this machine): a deadline is the park's own timeout, which
  // the runtime keeps; a wake-up with nothing to take (only when something else takes this guest's
  // interrupts: the host driving its device) parks again for the whole timeout.
  const spinning = spinNs > 0;
  if (!spinning && timeoutNs == 0) return WAIT_TIMEOUT;
  // A spin reads the clock first after 256 polls, not before the first: the reply to a ping-pong
  // comes within 0.1-0.3 us, sooner than the import call returns in Node (0.2 us), let alone in a
  // Chromium worker (0.7 us). The spin and the timeout count from that reading, which comes a few
  // microseconds late: a timeout is a least time, as a futex's is.
  let spinUntil: f64 = 0;
  let deadline: f64 = -Infinity;
  let polls: u32 = 0;
  while (true) {
    taken = takeInterrupt(dev, vectors);
    if (taken >= 0) return taken;
    // The stop word and the clock (an import call) are looked at every 256 polls only.
    if (spinning && (++polls & 255) != 0) continue;
    if (atomic.load<i32>(dev + DEV_STOP) != 0) return WAIT_STOPPED;
    let left = timeoutNs;
    if (spinning) {
      const t = now();
      if (deadline == -Infinity) {
        spinUntil = t + <f64>spinNs / 1e6;
        deadline = timeoutNs < 0 ? Infinity : t + <f64>timeoutNs / 1e6;
      }
      if (t >= deadline) return WAIT_TIMEOUT;
      if (t < spinUntil) continue;
      left = deadline == Infinity ? -1 : <i64>((deadline - t) * 1e6);
    }
    waitParked = true;
    atomic.add<i32>(dev + DEV_IRQ_WAITERS, 1);
    const seq = atomic.load<i32>(dev + DEV_IRQ_SEQ);
    taken = takeInterrupt(dev, vectors);
    let timedOut = false;
    if (taken < 0 && atomic.load<i32>(dev + DEV_STOP) == 0) timedOut = atomic.wait<i32>(dev + DEV_IRQ_SEQ, seq, left) == 2;
    atomic.sub<i32>(dev + DEV_IRQ_WAITERS, 1);
    if (taken >= 0) return taken;
    if (timedOut) {
      taken = takeInterrupt(dev, vectors);
      return taken >= 0 ? taken : WAIT_TIMEOUT;
    }
  }
}
