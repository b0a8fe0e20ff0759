// How a waiting guest in the 'spin' mode (the default) chooses between spinning and parking.
// (Guest.wait takes an interrupt that is already there before asking: only real waits count.)
//
// Spinning pays only while the peer runs: it answers a spinning guest within a microsecond or
// two, where a park and a wake-up cost what the OS costs (5-125 us here). When the peer is not
// running (its core taken by another thread: a busy page, another tab), a guest spinning on the
// core it needs only slows it down. The guest cannot see the scheduler, but it can time its own
// waits, so the policy compares what each way of waiting has been costing and keeps the cheaper:
//
//   spinning --(a spin runs out, or spun waits cost more than parked ones)--> parking
//   parking  --(after `probe` of parked time: spin again to see)-----------> spinning (a probe)
//
// - A spinning wait spins for twice the recent reply time plus a wake-up (a peer that had to
//   park answers one wake-up late), at most 200 us, so an idle VM parks within that. A probe
//   spins twice as long as a parked wait has been costing: it is what tells whether the peer
//   answers a spinner faster than a parked guest is woken (a spinning pair on an idle machine
//   gets back to spinning only by spinning through its parked peer's wake-up), and it is judged
//   by what its waits cost on the whole: a run-out that cost up to 4 parked waits (a peer that
//   woke up late) is a costly sample, not the end of it. (A parked pair may be handing one core
//   back and forth; the peer a probe wakes then queues behind the prober and answers only once it
//   parks, so probes hold only when the two run on different cores: docs/performance.md, 11.)
// - A doorbell that found the peer not parked (rangUnparked()) makes a parked guest probe at its
//   next wait, unless a probe has failed since the last clear win (then the peer is as likely
//   preempted).
// - Parking is 'block'; one parked wait in 64 is timed (two clock reads of 0.2-0.7 us, where a
//   Chromium round trip costs 6 us), to know what parking costs now and whether a probe is due;
//   more often when parked waits are long, so that a probe comes at most half its parked time
//   late: one wait in (half the parked time before the next probe / what a parked wait costs). On
//   two cores a parked wait costs what waking an idle core does (60-100 us here), and one look in
//   64 kept a pair that had run out once parked for 4-6 ms, not 250 us.
// - Spinning, once a spell has its first samples, one wait in 8 is timed too: the clock read at
//   a caught reply's end delays the answer to it (in a Chromium pair with a core each, timing every
//   wait made 'spin' 5x 'poll'). An untimed spin that ran out is known from the core (it parked),
//   and parks the policy as a timed one does; a probe times all its waits.
//   (Time, not a count of waits: a count sized from what parked waits seemed to cost kept a pair
//   parked for seconds when those samples came out short.)
// - A probe that fails doubles the parked time before the next one, from 250 us up to 256 ms; a
//   probe that holds for 32 waits resets it when spinning cost at most half what parking did (the
//   peer runs), else halves it (the peer runs now and then). Under lasting contention 'spin' is
//   therefore 'block' plus one probe per 256 ms (a failed spin in a loaded Chromium costs about
//   1 ms: the peer it just woke queues behind it for a scheduler slice), and once the contention
//   ends the pair spins again within 256 ms. (The previous policy counted waits instead of time:
//   runs of up to 16383 parked waits, which took seconds to probe their way back to spinning.)

const MIN_NS = 2_000;
const MAX_NS = 200_000;
const WAKE_UP_NS = 30_000;
const PROBE_MIN_NS = 250_000;
const PROBE_MAX_NS = 256_000_000;
/** waits a probe must hold to count as a success */
const PROBE_HOLD = 32;
/** spun waits before their average is trusted against the parked one */
const SPIN_SAMPLES = 4;
const SAMPLE_EVERY = 64;
const SAMPLE_SPUN_EVERY = 8;

/** What the policy did so far: counts of waits by outcome. */
export interface SpinStats {
  /** waits that spun, and of those: caught their reply, ran out, cost more than parking */
  spun: number;
  /** Spun waits that caught their interrupt. */
  caught: number;
  /** Spun waits that ran out of budget and parked. */
  ranOut: number;
  /** Spun waits that cost more than parking would have. */
  costlier: number;
  /** spinning spells started after parking, and those that held */
  probes: number;
  /** Probes whose spinning held. */
  probesHeld: number;
  /** what the failed probes' waits took beyond a parked wait each, in all (ns): at most what they cost */
  failedProbesNs: number;
  /** waits that parked at once */
  parked: number;
}

export class SpinPolicy {
  readonly stats: SpinStats = { spun: 0, caught: 0, ranOut: 0, costlier: 0, probes: 0, probesHeld: 0, failedProbesNs: 0, parked: 0 };
  private budgetNs = WAKE_UP_NS;
  /** recent replies caught while spinning (ns, moving average) */
  private caughtNs = 0;
  /** what spun waits cost in this spinning spell (ns, moving average) and how many were seen */
  private spunNs = 0;
  private spun = 0;
  /** what parked waits cost (ns, moving average of the timed ones; 0: none timed yet) */
  private parkedNs = 0;
  private spinning = true;
  /** waits of this spinning spell left before a probe counts as a success (0: not a probe) */
  private probeLeft = 0;
  private probeNs = PROBE_MIN_NS;
  /** what the current probe's waits cost beyond parked ones so far (ns) */
  private probeCostNs = 0;
  /** when the next probe is due (ms, the clock record() is given), and whether that time has come */
  private probeAt = 0;
  private probeDue = false;
  private parkedCount = 0;
  /** waits spun since the last timed one was chosen, for SAMPLE_SPUN_EVERY */
  private spunCount = 0;
  /** what the current wait was given: its spin (ns), 0 for a timed parked wait */
  private givenNs = 0;
  private asBigInt = BigInt(WAKE_UP_NS);
  private convertedFrom = WAKE_UP_NS;

  /** The spin budget (ns) of a wait that spins. */
  get ns(): number {
    return this.budgetNs;
  }

  /** Whether waits park at once now (until the next probe). */
  get parking(): boolean {
    return !this.spinning;
  }


  /** Whether the wait about to start (after next()) wants record() called with its outcome. */
  timed = true;

  /** The spin for the wait about to start, in ns as the core takes it (0n = park at once). */
  next(): bigint {
    // Parked: one wait in SAMPLE_EVERY at most is timed; the clock read at its end says whether a probe is due.
    if (!this.spinning && !this.probeDue) {
      this.givenNs = 0;
      this.stats.parked++;
      const every = this.parkedNs > 0 ? Math.max(1, Math.min(SAMPLE_EVERY, Math.floor(this.probeNs / (2 * this.parkedNs)))) : SAMPLE_EVERY;
      this.timed = ++this.parkedCount % every === 0;
      return 0n;
    }
    if (!this.spinning) {
      this.spinning = true;
      this.probeDue = false;
      this.stats.probes++;
      this.probeLeft = PROBE_HOLD;
      this.probeCostNs = 0;
      this.spun = 0;
    }
    this.timed = this.probeLeft > 0 || this.spun < SPIN_SAMPLES || ++this.spunCount % SAMPLE_SPUN_EVERY === 0;
    this.stats.spun++;
    const ns = this.probeLeft > 0 ? Math.min(MAX_NS, Math.max(this.budgetNs, 2 * this.parkedNs)) : this.budgetNs;
    this.givenNs = ns;
    if (Math.abs(ns - this.convertedFrom) >= 1_000) {
      this.convertedFrom = ns;
      this.asBigInt = BigInt(Math.round(ns));
    }
    return this.asBigInt;
  }

  /**
   * Before a wait: a doorbell this guest rang since its last wait found its peer not parked. That
   * peer is spinning, or running, or preempted: while parked, and no probe has failed since the last
   * clear win, probe at this wait, since a pair gets back to spinning only when both sides try (one
   * spinning side alone saves just its own wake-up, and its spins keep paying for the parked
   * side's). Under contention a probe has failed, and the peer not parked is as likely preempted:
   * this waits for its time (with it, 1 busy thread beside a Node pair made 'spin' 2.7x 'block',
   * each doorbell starting a probe that ran out).
   */
  rangUnparked(): void {
    if (!this.spinning && this.probeNs === PROBE_MIN_NS) this.probeDue = true;
  }

  /** After a timed wait: it took `elapsedNs`, ended at `nowMs` (performance.now()) with an interrupt or not. */
  record(elapsedNs: number, gotInterrupt: boolean, nowMs: number): void {
    if (this.givenNs === 0) {
      if (gotInterrupt) this.parkedNs = this.parkedNs === 0 ? elapsedNs : this.parkedNs + 0.25 * (elapsedNs - this.parkedNs);
      this.probeDue = nowMs >= this.probeAt;
      return;
    }
    // (a wait that timed out cost its spin; the rest of it would have been parked anyway)
    if (this.probeLeft > 0) this.probeCostNs += (gotInterrupt ? elapsedNs : this.givenNs) - this.parkedNs;
    if (!gotInterrupt || elapsedNs >= this.givenNs) {
      this.stats.ranOut++;
      // A probe is judged by what its waits cost on the whole: its peer may still be parked and
      // wake up late now and then, which one run-out must not count as contention; one that
      // costs several parked waits (a scheduler slice) does.
      if (!gotInterrupt || this.probeLeft === 0 || this.parkedNs === 0 || elapsedNs > 4 * this.parkedNs) {
        this.park(nowMs);
        return;
      }
    } else {
      this.stats.caught++;
      this.caughtNs += 0.25 * (elapsedNs - this.caughtNs);
      this.budgetNs = Math.max(MIN_NS, Math.min(MAX_NS, 2 * this.caughtNs + WAKE_UP_NS));
    }
    this.spunNs = this.spun === 0 ? elapsedNs : this.spunNs + 0.125 * (elapsedNs - this.spunNs);
    this.spun++;
    if (this.parkedNs > 0 && this.spun >= SPIN_SAMPLES && this.spunNs > this.parkedNs) {
      this.stats.costlier++;
      this.park(nowMs);
      return;
    }
    if (this.probeLeft > 0 && --this.probeLeft === 0) {
      this.stats.probesHeld++;
      // A clear win (spinning at most half what parking costs: a running peer) starts afresh; a
      // narrow one (the peer runs now and then) only halves the time to the next probe.
      this.probeNs = this.spunNs * 2 <= this.parkedNs || this.parkedNs === 0 ? PROBE_MIN_NS : Math.max(PROBE_MIN_NS, this.probeNs / 2);
    }
  }

  /** After an untimed spun wait: it caught an interrupt while spinning, or ran out (the core parked it) at `nowMs()`. */
  untimed(caught: boolean, nowMs: () => number): void {
    if (caught) {
      this.stats.caught++;
      return;
    }
    this.stats.ranOut++;
    this.park(nowMs());
  }

  private park(nowMs: number): void {
    // A probe that did not hold waits twice as long for the next one.
    if (this.probeLeft > 0) {
      this.stats.failedProbesNs += this.probeCostNs;
      this.probeNs = Math.min(PROBE_MAX_NS, this.probeNs * 2);
    }
    this.probeLeft = 0;
    this.spinning = false;
    this.probeAt = nowMs + this.probeNs / 1e6;
    this.parkedCount = 0;
  }
}
