// How a waiting guest in the 'spin' mode (the default) chooses between spinning and parking.
// (Guest.wait takes an interrupt that is already there before asking: only real waits count.)
//
// A park/wake round trip costs what the OS costs (tens of microseconds); spinning costs a core.
// A peer that is running answers a spinning guest within a microsecond or two; a peer that is not
// running (its core taken by another thread: a busy page, another tab) is only slowed down by a
// guest spinning on the core it needs. So a spin that runs out is taken as the sign that spinning
// does not pay: the next waits park at once, as 'block' does: 1 wait after the first spin that
// runs out, then 3, 7, ... up to 16383 in a row while spins keep running out. Between two such
// runs one wait spins again to see whether the peer is back, and each spin that catches the reply
// shortens the run by an eighth (down to 1, then no parking at all). When nothing catches, this is
// 'block' plus one spin every 16384 waits; on an idle machine it is a spinning ping-pong that never
// parks (back to it within some 8 x 16384 waits once the contention ends).
//
// Why runs that long: in Chromium under load a spin that runs out costs about 1 ms on average, not
// its budget (the peer it just woke is queued behind the spinner for a scheduler slice): with
// runs of at most 1023, 'spin' parked 99.9 % of its waits and still ran 1.2x 'block'. Spinning
// after waking a parked peer is still allowed: on an idle machine, where a wake-up took 50-100 us
// in Node, that is how a pair gets back to spinning (0.8 us a round trip against 'block''s 65 us).
//
// The budget is twice the recent reply time caught while spinning plus a wake-up (if the peer had
// to park, its reply is late by one wake-up: a shorter budget would make both sides park, as
// DESIGN.md section 6 measured), never more than 200 us, so an idle VM parks within that.

const MIN_NS = 2_000;
const MAX_NS = 200_000;
const WAKE_UP_NS = 30_000;
const MAX_PARK_RUN = 16383;
// A catch shrinks the run by an eighth, a spin that runs out doubles it: spinning wins back only
// where more than ~84 % of spins catch their reply (log 2 / (log 2 + log 8/7)). A spin that runs
// out costs its whole budget (30 us and up), a catch saves one wake-up (10-20 us): below that
// rate spinning would cost more than it saves.
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
  /** what the current wait was given (0 = park at once) */
  private givenNs = 0;

  /** The spin budget (ns) of a wait that spins. */
  get ns(): number {
    return this.budgetNs;
  }

  /** How many coming waits park at once (spins kept running out). */
  get parking(): number {
    return this.parkRun;
  }

  /** The spin for the wait about to start, in ns as the core takes it (0n = park at once). */
  next(): bigint {
    if (this.parkRun > 0) {
      this.parkRun--;
      this.givenNs = 0;
      return 0n;
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
    if (gotInterrupt && elapsedNs < this.givenNs) {
      this.nextRun = Math.max(1, Math.floor(this.nextRun * CATCH_SHRINK));
      this.caughtNs += 0.25 * (elapsedNs - this.caughtNs);
      this.budgetNs = Math.max(MIN_NS, Math.min(MAX_NS, 2 * this.caughtNs + WAKE_UP_NS));
      return;
    }
    this.parkRun = this.nextRun;
    this.nextRun = Math.min(MAX_PARK_RUN, this.nextRun * 2 + 1);
  }
}
