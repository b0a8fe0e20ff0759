// How long a waiting guest spins before it parks. A park/wake round trip costs what the OS costs
// (tens of microseconds); spinning costs a core. While interrupts keep coming, the budget is twice
// the recent reply time plus a wake-up: if the peer had to park, its reply is late by one wake-up,
// and a budget shorter than that would make this side park too, after which both keep parking
// (the collapse DESIGN.md section 6 measured with a fixed budget of 2000 loads). When interrupts
// stop coming the budget halves at every wait, so an idle VM soon parks at once and costs nothing.

const MIN_NS = 2_000;
const MAX_NS = 200_000;
const WAKE_UP_NS = 30_000;

export class SpinBudget {
  private budgetNs = WAKE_UP_NS;
  private averageNs = 0;
  private asBigInt = BigInt(WAKE_UP_NS);
  private convertedFrom = WAKE_UP_NS;

  get ns(): number {
    return this.budgetNs;
  }

  /** The budget as the core takes it, converted again only when it moved by a microsecond. */
  get nsBigInt(): bigint {
    if (Math.abs(this.budgetNs - this.convertedFrom) >= 1_000) {
      this.convertedFrom = this.budgetNs;
      this.asBigInt = BigInt(Math.round(this.budgetNs));
    }
    return this.asBigInt;
  }

  /** After a wait that took `elapsedNs` and ended with an interrupt (or not). */
  record(elapsedNs: number, gotInterrupt: boolean): void {
    if (!gotInterrupt || elapsedNs > MAX_NS) {
      this.budgetNs = Math.max(MIN_NS, this.budgetNs / 2);
    } else {
      this.averageNs = this.averageNs * 0.75 + elapsedNs * 0.25;
      this.budgetNs = Math.min(MAX_NS, 2 * this.averageNs + WAKE_UP_NS);
    }
  }
}
