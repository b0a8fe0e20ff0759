// How a waiting guest in the 'spin' mode (the default) chooses between spinning and parking.
// (Guest.wait takes an interrupt that is already there before asking: only real waits count.)
//
// A park/wake round trip costs what the OS costs (tens of microseconds); spinning costs a core.
// A peer that is running answers a spinning guest within a microsecond or two. Two things say it
// will not:
//
// - The guest's last doorbell woke a parked peer (Guest.ring learns it from the core). The reply
//   then comes after a wake-up at best, and the woken peer needs a core: with none idle, the
//   scheduler puts it behind the ringer, which spinning keeps from it. Measured in Chromium on the
//   shared 2-core machine: a guest spinning 30 us after waking a parked peer caught 85 % of the
//   replies and still took 14-25 us a round trip, against 8.3 us for both parking; 0 of 100 such
//   spins caught with the machine loaded. So such a wait parks, except one in a while that spins
//   to see whether the pair can spin again (the woken peer, finding its ringer awake, spins in
//   turn): after 1 such wait, then 3, 7 ... up to MAX_PARK_RUN, each probe doubling the gap
//   whatever it catches (a probe that catches with its peer still parked has gained nothing).
// - A spin ran out. The next waits park at once: 1 after the first, then 3, 7 ... up to
//   MAX_PARK_RUN in a row while spins keep running out, one wait between runs spinning again.
//
// A spin that catches its reply with the peer awake shortens both gaps by an eighth (down to 1):
// spinning wins back only where more than ~84 % of spins catch (log 2 / (log 2 + log 8/7)). A
// spin that runs out, or a probe, costs its budget at least and a scheduler slice at worst (1 ms
// on average measured in Chromium, the woken peer queued behind the spinner), a catch saves one
// wake-up (5-20 us): hence the long gaps. Under contention this is 'block' plus one spin every
// MAX_PARK_RUN + 1 waits; on an idle machine a spinning ping-pong that never parks, back to it
// within MAX_PARK_RUN waits of the contention's end.
//
// A reply caught later than PAYS_NS counts as a spin that ran out: it came no sooner than a
// wake-up would have brought it (8 us a round trip with both parked in Chromium, 10-15 us in
// Node), and meanwhile the spinner held a core. Without this rule a pair whose replies came
// late but within the budget (both threads sharing a core, each running when the other gives up)
// kept spinning: 36-50 us a round trip in Chromium with cores idle, against 7 us for 'block'.
//
// The budget is twice the recent reply time caught while spinning plus a wake-up (if the peer had
// to park, its reply is late by one wake-up: a shorter budget would make both sides park, as
// DESIGN.md section 6 measured): under 50 us, so an idle VM parks within that.

const PAYS_NS = 10_000;
const WAKE_UP_NS = 30_000;
const MAX_PARK_RUN = 16383;
const CATCH_SHRINK = 7 / 8;

export class SpinBudget {
  private budgetNs = WAKE_UP_NS;
  private caughtNs = 0;
  private asBigInt = BigInt(WAKE_UP_NS);
  private convertedFrom = WAKE_UP_NS;
  /** waits left that park at once */
  private parkRun = 0;
  /** how many waits park after the next spin that runs out */
  private nextRun = 1;
  /** waits after waking a parked peer left to park before one probes */
  private probeIn = 0;
  /** how many of those park after the next probe */
  private probeGap = 1;
  /** what the current wait was given (0 = park at once) */
  private givenNs = 0;
  /** the current wait spins after waking a parked peer */
  private probing = false;

  /** The spin budget (ns) of a wait that spins. */
  get ns(): number {
    return this.budgetNs;
  }

  /** How many coming waits park at once (spins kept running out). */
  get parking(): number {
    return this.parkRun;
  }

  /**
   * The spin for the wait about to start, in ns as the core takes it (0n = park at once);
   * `wokeParkedPeer`: the guest's doorbells since its last wait woke a parked guest.
   */
  next(wokeParkedPeer = false): bigint {
    this.givenNs = 0;
    if (this.parkRun > 0) {
      this.parkRun--;
      return 0n;
    }
    this.probing = wokeParkedPeer;
    if (wokeParkedPeer) {
      if (this.probeIn > 0) {
        this.probeIn--;
        return 0n;
      }
      this.probeIn = this.probeGap;
      this.probeGap = Math.min(MAX_PARK_RUN, this.probeGap * 2 + 1);
    }
    this.givenNs = this.budgetNs;
    if (Math.abs(this.budgetNs - this.convertedFrom) >= 1_000) {
      this.convertedFrom = this.budgetNs;
      this.asBigInt = BigInt(Math.round(this.budgetNs));
    }
    return this.asBigInt;
  }

  /** After the wait: it took `elapsedNs` and ended with an interrupt (or not). */
  record(elapsedNs: number, gotInterrupt: boolean): void {
    if (this.givenNs === 0) return;
    if (gotInterrupt && elapsedNs < PAYS_NS) {
      this.caughtNs += 0.25 * (elapsedNs - this.caughtNs);
      this.budgetNs = 2 * this.caughtNs + WAKE_UP_NS;
      if (!this.probing) {
        this.nextRun = Math.max(1, Math.floor(this.nextRun * CATCH_SHRINK));
        this.probeGap = Math.max(1, Math.floor(this.probeGap * CATCH_SHRINK));
        this.probeIn = Math.min(this.probeIn, this.probeGap);
      }
      return;
    }
    this.parkRun = this.nextRun;
    this.nextRun = Math.min(MAX_PARK_RUN, this.nextRun * 2 + 1);
  }
}
