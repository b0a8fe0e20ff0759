// Realizing a device takes resources one after another: its device block, a memdev, a connection
// to its server, a place in an SDM group, a worker thread... Each is registered here, with what
// gives it back, at the moment it is taken. A step that fails then undoes exactly what was taken
// before it, newest first; a realize that succeeds commits, and unplugging the device later gives
// back the same list. One list for both, so a new resource is one registration, not an edit of
// every error path.

/** What gives a resource back; a promise when that takes time (a worker thread ending). */
export type Undo = () => void | Promise<void>;

interface Step {
  undo: Undo;
  /** given back at unplug too, not only when the realize fails */
  atUnplug: boolean;
}

export class Transaction {
  private steps: Step[] | undefined = [];

  private push(step: Step): void {
    if (!this.steps) throw new Error('the transaction is already committed or rolled back');
    this.steps.push(step);
  }

  /** Registers a resource just taken: `release` gives it back if the realize fails, and at unplug. */
  take<T>(resource: T, release: (resource: T) => void): T {
    this.push({ undo: () => release(resource), atUnplug: true });
    return resource;
  }

  /**
   * Registers what only a failed realize undoes: the worker thread of a VM that did not start
   * (a started VM ends on its own terms), a /dev/shm file the realize created (which outlives
   * the device, as files on /dev/shm do).
   */
  onFailure(undo: Undo): void {
    this.push({ undo, atUnplug: false });
  }

  /**
   * Undoes everything registered, newest first. Synchronous unless an undo returns a promise:
   * then the ones after it wait for it, and so does the caller. An undo that throws does not
   * stop the others (the error being unwound is the one the caller reports).
   */
  rollback(): void | Promise<void> {
    const steps = (this.steps ?? []).reverse();
    this.steps = undefined;
    const run = (from: number): void | Promise<void> => {
      for (let i = from; i < steps.length; i++) {
        let pending: void | Promise<void>;
        try {
          pending = steps[i].undo();
        } catch {
          continue;
        }
        if (pending instanceof Promise) return pending.catch(() => {}).then(() => run(i + 1));
      }
    };
    return run(0);
  }

  /** The realize succeeded: what it took is held until the lease is released (at unplug). */
  commit(): Lease {
    const steps = (this.steps ?? []).filter((step) => step.atUnplug).reverse();
    this.steps = undefined;
    return new Lease(steps.map((step) => step.undo as () => void));
  }
}

/** What a realized device holds; released once, newest first, when it goes. */
export class Lease {
  constructor(private releases: (() => void)[] | undefined) {}

  get released(): boolean {
    return this.releases === undefined;
  }

  release(): void {
    const releases = this.releases;
    this.releases = undefined;
    for (const release of releases ?? []) release();
  }
}
