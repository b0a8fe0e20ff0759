// The workbench's runner: the guest program every VM of the workbench runs. It loads the real
// program (a scenario's, or the playground's from a Blob URL) and runs it with the VM's guest API,
// wrapped so that the VM also carries out what the page asks of it through the control block (ring,
// mask, reset: always through its own device registers, as its driver would) at the program's waits
// and after its rings, pauses there when asked, and says how it is waiting. A program that neither
// waits nor rings is never interrupted here: the page stops it by terminating the worker.
import { STOPPED, type Guest, type WaitOptions } from '../../src/index.ts';
import {
  HISTOGRAM_AT, MODES, Op, RunnerState, SPIN_AT, SPIN_COUNTS, WORD_A, WORD_ACK_SEQ, WORD_B, WORD_CMD_SEQ, WORD_MODE, WORD_OP,
  WORD_PAUSED, WORD_RESULT, WORD_STATE, WORD_STOP, bucketOf, controlOf, type Control,
} from './control.ts';

export interface RunnerArg {
  control: SharedArrayBuffer;
  /** the program's module URL (absolute, or a blob: URL) */
  program: string;
  arg?: unknown;
}

/** What the runner adds to the guest API. */
export interface WorkbenchGuest extends Guest {
  /** records a measured round trip (microseconds) in the page's latency histogram */
  roundTrip(us: number): void;
  /** the page asked this program to stop */
  readonly stopRequested: boolean;
}

const SLICE_MS = 25;
/** how often the 'spin' policy's counts are copied to the control block (a copy allocates) */
const SPIN_PUBLISH_MS = 100;

class Runner {
  private spinPublishedAt = -Infinity;
  private spinWaits = 0;

  constructor(private readonly vm: Guest, private readonly c: Control) {}

  /** Copies the 'spin' policy's counts for the page's VM panel, at most every SPIN_PUBLISH_MS. */
  private publishSpin(now: number): void {
    if (now - this.spinPublishedAt < SPIN_PUBLISH_MS) return;
    this.spinPublishedAt = now;
    const stats = this.vm.spinStats;
    // (counts past 2^31 wrap: the panel shows them modulo that, and they take days to get there)
    SPIN_COUNTS.forEach((name, i) => Atomics.store(this.c.words, SPIN_AT + i, stats[name] | 0));
  }

  /** the program has returned: the runner only serves the page now, and says so whatever it waits for */
  finished = false;

  set state(state: RunnerState) {
    Atomics.store(this.c.words, WORD_STATE, this.finished ? RunnerState.Done : state);
  }

  get stopRequested(): boolean {
    return Atomics.load(this.c.words, WORD_STOP) !== 0;
  }

  /** Carries out a command the page left, and parks while paused. */
  service(): void {
    const w = this.c.words;
    const seq = Atomics.load(w, WORD_CMD_SEQ);
    if (seq !== Atomics.load(w, WORD_ACK_SEQ)) {
      let result = 0;
      try {
        this.execute(Atomics.load(w, WORD_OP), Atomics.load(w, WORD_A), Atomics.load(w, WORD_B));
      } catch (error) {
        result = 1;
        this.vm.log(`command failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      Atomics.store(w, WORD_RESULT, result);
      Atomics.store(w, WORD_ACK_SEQ, seq);
    }
    while (Atomics.load(w, WORD_PAUSED) !== 0 && !this.stopRequested) {
      this.state = RunnerState.Paused;
      Atomics.wait(w, WORD_PAUSED, 1, 50);
      if (Atomics.load(w, WORD_CMD_SEQ) !== Atomics.load(w, WORD_ACK_SEQ)) this.service();
    }
  }

  private execute(op: Op, a: number, b: number): void {
    const { vm } = this;
    const dev = vm.device;
    switch (op) {
      case Op.Ring: this.ring(a, b); break;
      case Op.Mask: vm.driver.maskVector(dev, a); break;
      case Op.Unmask: vm.driver.unmaskVector(dev, a); break;
      case Op.Reset: dev.reset(); break;
      case Op.BringUp: vm.bringUp(); break;
      case Op.IntrMask: dev.bar(0).write(0, dev.model === 'ivshmem-2010' ? 2 : 4, a >>> 0); break;
      case Op.Doorbell: dev.bar(0).write(12, 4, a >>> 0); break;
      case Op.Ring2010: dev.bar(0).write(4, 2, ((a & 0xff) << 8) | (b & 0xff)); break;
      case Op.FunctionMask: this.msixFlags(0x4000, a !== 0); break;
      case Op.MsixEnable: this.msixFlags(0x8000, a !== 0); break;
      default: throw new Error(`unknown command ${op}`);
    }
  }

  private msixFlags(bit: number, on: boolean): void {
    const config = this.vm.device.config;
    const at = 0x42;
    const flags = config.read(at, 2);
    config.write(at, 2, on ? flags | bit : flags & ~bit);
  }

  /** A doorbell as the VM's driver rings it: the Doorbell register written through BAR0 (driver.ring checks peer and vector first). */
  ring(peer: number, vector: number): void {
    this.vm.driver.ring(this.vm.device, peer, vector);
  }

  wait(original: (options?: WaitOptions) => number, options: WaitOptions = {}): number {
    const override = MODES[Atomics.load(this.c.words, WORD_MODE)];
    const mode = override || options.mode || 'spin';
    const deadline = options.timeoutMs === undefined || options.timeoutMs < 0 ? Infinity : performance.now() + options.timeoutMs;
    for (;;) {
      this.service();
      if (this.stopRequested) return STOPPED;
      this.state = mode === 'block' ? RunnerState.Block : mode === 'poll' ? RunnerState.Poll : RunnerState.Spin;
      const slice = Math.min(deadline - performance.now(), SLICE_MS);
      const vector = slice <= 0 ? -1 : original({ mode, timeoutMs: slice });
      this.state = RunnerState.Running;
      // The policy's counts: looked at every 64 'spin' waits and when a slice ends idle, so that a
      // busy ping-pong does not read the clock on every wait for them.
      if (mode === 'spin' && (vector === -1 || (this.spinWaits++ & 63) === 0)) this.publishSpin(performance.now());
      if (vector !== -1 || performance.now() >= deadline) return vector;
    }
  }

  async waitAsync(original: (options?: { timeoutMs?: number }) => Promise<number>, options: { timeoutMs?: number } = {}): Promise<number> {
    const deadline = options.timeoutMs === undefined || options.timeoutMs < 0 ? Infinity : performance.now() + options.timeoutMs;
    for (;;) {
      this.service();
      if (this.stopRequested) return STOPPED;
      this.state = RunnerState.Block;
      const slice = Math.min(deadline - performance.now(), SLICE_MS);
      const vector = slice <= 0 ? -1 : await original({ timeoutMs: slice });
      this.state = RunnerState.Running;
      if (vector !== -1 || performance.now() >= deadline) return vector;
    }
  }
}

export default async function runner(vm: Guest, { control, program, arg }: RunnerArg): Promise<unknown> {
  const c = controlOf(control);
  const r = new Runner(vm, c);
  // The program sees the guest through a wrapper (its prototype is the guest), so the guest itself
  // is never changed and the next program run in this VM gets a fresh wrapper.
  const wait = vm.wait.bind(vm);
  const waitAsync = vm.waitAsync.bind(vm);
  const guest = Object.create(vm, {
    wait: { value: (options?: WaitOptions) => r.wait(wait, options) },
    waitAsync: { value: (options?: { timeoutMs?: number }) => r.waitAsync(waitAsync, options) },
    // A ring is a point where the page's commands are carried out too (a program that only rings
    // still pauses), but after the ring: a reset carried out before it would take the BAR away
    // between the program's look at its device and its write.
    ring: { value: (peer: number, vector = 0) => { r.ring(peer, vector); r.service(); } },
    roundTrip: { value: (us: number) => { Atomics.add(c.words, HISTOGRAM_AT + bucketOf(us), 1); } },
    stopRequested: { get: () => r.stopRequested },
  }) as WorkbenchGuest;
  r.state = RunnerState.Running;
  try {
    const module = await import(/* @vite-ignore */ program);
    if (typeof module.default !== 'function') throw new TypeError('the program has no default export (export default async function main(vm, arg) { ... })');
    const result = await module.default(guest, arg);
    r.finished = true;
    r.state = RunnerState.Done;
    // Said at once, on the program's own log channel (so after its last line): vm.run() resolves
    // only once the runner ends, which is when the page stops it. A program that returned because
    // it was asked to stop needs no such line.
    if (!r.stopRequested) vm.log(`program returned ${result === undefined ? 'nothing' : JSON.stringify(result)}; the VM still carries out the page's commands`);
    // Keep answering the page (mask, ring, reset) after the program ends, until asked to stop.
    while (!r.stopRequested) await guest.waitAsync({ timeoutMs: 1000 });
    return result;
  } catch (error) {
    r.state = RunnerState.Failed;
    throw error;
  }
}
