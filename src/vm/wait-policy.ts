// How long a waiting guest spins before it parks. A park/wake round trip costs what the OS costs
// (tens of microseconds); spinning costs a core. The budget follows the traffic: it stays a bit
// above the recent reply time, so a ping-pong never parks, and shrinks when interrupts are rare, so
// an idle VM parks almost at once and costs nothing.

const MIN_NS = 2_000;
const MAX_NS = 200_000;

export class SpinBudget {
  private budgetNs = 50_000;
  private averageNs = 50_000;

  get ns(): number {
    return this.budgetNs;
  }

  /** After a wait that took `elapsedNs` and ended with an interrupt (or not). */
  record(elapsedNs: number, gotInterrupt: boolean): void {
    if (!gotInterrupt) {
      this.budgetNs = Math.max(MIN_NS, this.budgetNs / 2);
      return;
    }
    this.averageNs = this.averageNs * 0.75 + elapsedNs * 0.25;
    const wanted = this.averageNs * 2;
    this.budgetNs = wanted > MAX_NS ? Math.max(MIN_NS, this.budgetNs / 2) : Math.max(MIN_NS, wanted);
  }
}
