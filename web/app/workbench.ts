// The workbench's state: one Host with one ivshmem-server ('srv') and the page's own
// ivshmem-client, the VMs (workers running the runner, see web/guest/runner.ts), the scenario, the
// recorded trace. Everything the components show is read from shared memory once per animation
// frame (tick); nothing here ever waits for a worker.
import { signal } from '@preact/signals';
import { Host, QemuError, type IvshmemClient, type Ivshmem2Server, type Ivshmem2ServerOptions, type Server } from '../../src/index.ts';
import runnerUrl from '../guest/runner.ts?program';
import type { RunnerArg } from '../guest/runner.ts';
import { WORD_STOP, WORD_STATE, RunnerState } from '../guest/control.ts';
import { VmEntry, type Program } from './vm-entry.ts';
import { TraceLog, traceSource, type TraceEvent, type TraceSource } from './trace.ts';
import { Columns } from './columns.ts';

export type Accel = 'kvm' | 'tcg';

export interface Setup {
  /** vectors per client on the server (-n) */
  vectors: number;
  /** the server's shared memory (-l) */
  size: string;
  /**
   * The accelerator (Host.create's accel, QEMU's -accel): with kvm a doorbell that arrives before
   * the guest enables MSI-X waits in its eventfd and fires on enable (irqfd); with tcg QEMU drops it.
   * Always passed explicitly, so the page does not follow Host.create's default.
   */
  accel: Accel;
  /**
   * An ivshmem-server 'srv' with its memory (also /dev/shm/ivshmem, the memdev 'hmb') and the page's
   * own ivshmem-client; false for a scenario that has no use for them (virtio-sdm's).
   */
  server?: boolean;
  /**
   * An ivshmem2-server for ivshmem-v2 devices (a scenario's): then its memory is the one the hex
   * view shows, its log the one the page shows, and the page connects no ivshmem-client (the RFC
   * has none for protocol version 2)
   */
  server2?: Ivshmem2ServerOptions;
}

export const DEFAULT_SETUP: Setup = { vectors: 4, size: '4M', accel: 'kvm' };
export const SOCKET = '/tmp/ivshmem_socket';
/** How long a program asked to stop may take before its VM is terminated. */
export const STOP_GRACE_MS = 1500;
/** How many events the timeline keeps (besides the trace's first thousand), until the page says otherwise. */
export const TRACE_CAPACITY = 20_000;

export class Workbench {
  host: Host | undefined;
  server: Server | undefined;
  server2: Ivshmem2Server | undefined;
  client: IvshmemClient | undefined;
  setup: Setup = DEFAULT_SETUP;
  readonly vms = signal<VmEntry[]>([]);
  /** increments once per animation frame: components that show live state read it */
  readonly frame = signal(0);
  readonly paused = signal(false);
  /** the trace event clicked in the timeline (the tour checks it) */
  readonly selected = signal<TraceEvent | undefined>(undefined);
  /** how long scenario handlers hold an interrupt before passing it on (ms), so people can follow */
  readonly pace = signal(250);
  /** the recorded trace, times in ms since the page opened (past its capacity the oldest after its head are forgotten); a new log at each reset */
  trace = new TraceLog(TRACE_CAPACITY);
  /** increments when events arrive (or the log is new): the timeline redraws then */
  readonly traceVersion = signal(0);
  /** events the core could not record: a thread's ring was full before the page drained it */
  traceLost = 0;
  private source: TraceSource | undefined;
  private generation = 0;
  private readonly urls = new Map<VmEntry, string>();

  /**
   * Starts over: a new host, server and client with this setup, no VMs. Rejects if another reset
   * overtook it, so that whoever awaited it does not go on to start a scenario on the newer host.
   */
  async reset(setup: Setup = DEFAULT_SETUP): Promise<void> {
    const generation = ++this.generation;
    await this.shutdown();
    this.setup = setup;
    const host = await Host.create({ memory: '128M', accel: setup.accel });
    if (generation !== this.generation) {
      await host.shutdown();
      throw new QemuError('the workbench was reset');
    }
    this.host = host;
    if (setup.server !== false) {
      this.server = host.addServer({ id: 'srv', size: setup.size, vectors: setup.vectors, socket: SOCKET });
      // What ivshmem-plain maps: the server's memory, through its file on /dev/shm (-M ivshmem).
      host.addObject(`memory-backend-file,id=hmb,size=${setup.size},mem-path=/dev/shm/ivshmem,share=on`);
    }
    this.server2 = setup.server2 ? host.addServer2(setup.server2) : undefined;
    this.client = setup.server !== false && !setup.server2 ? host.connectClient('srv') : undefined;
    this.source = traceSource(host);
    this.trace = new TraceLog(this.trace.capacity);
    this.traceVersion.value++;
    this.traceLost = 0;
    this.paused.value = false;
    this.selected.value = undefined;
  }

  async shutdown(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    this.source = undefined;
    for (const entry of this.vms.value) entry.requestStop();
    this.vms.value = [];
    for (const url of this.urls.values()) URL.revokeObjectURL(url);
    this.urls.clear();
    this.client?.close();
    this.client = undefined;
    this.server = undefined;
    if (host) await host.shutdown();
  }

  /** The shared memory every VM maps (the server's), as bytes. */
  get bytes(): Uint8Array | undefined {
    return this.server2?.bytes ?? this.client?.bytes;
  }

  /**
   * Starts a VM with a -device string (QEMU's errors thrown as QemuError) and runs a program.
   * `boot: 'sdm'` (virtio-sdm) holds the program back until the VM's device receives an SDM_BOOT.
   */
  async addVm(device: string, program?: Program, options: { boot?: 'sdm' } = {}): Promise<VmEntry> {
    const host = this.host;
    if (!host) throw new QemuError('the workbench is not running');
    const text = device.trim();
    const vm = await host.spawn({ device: text, boot: options.boot });
    const entry = new VmEntry(vm, text, options.boot === 'sdm');
    if (this.host !== host) {
      await vm.terminate();
      throw new QemuError('the workbench was reset');
    }
    entry.paused = this.paused.value;
    this.vms.value = [...this.vms.value, entry];
    if (program) this.run(entry, program);
    return entry;
  }

  /** Runs a program in the VM through the runner (after any program before it has stopped). */
  run(entry: VmEntry, program: Program): void {
    if (program.kind === 'url') {
      this.start(entry, program, new URL(program.url, location.href).href);
      return;
    }
    // sucrase comes with the editor, when a program typed there first runs.
    void import('../playground/transpile.ts').then(({ transpile }) => {
      const compiled = transpile(program.source);
      if (!compiled.ok) {
        entry.say(compiled.error, true, compiled.line);
        return;
      }
      // The text runs from a Blob URL, against which a relative import means nothing.
      const relative = /\bfrom\s+['"](\.\.?\/[^'"]*)['"]/.exec(compiled.code);
      if (relative) {
        entry.say(`a program run from the editor cannot import ${relative[1]} (it runs from a Blob URL, not from its file): inline what it needs`, true);
        return;
      }
      const old = this.urls.get(entry);
      if (old) URL.revokeObjectURL(old);
      const url = URL.createObjectURL(new Blob([compiled.code], { type: 'text/javascript' }));
      this.urls.set(entry, url);
      this.start(entry, program, url);
    });
  }

  private start(entry: VmEntry, program: Program, url: string): void {
    const w = entry.control.words;
    Atomics.store(w, WORD_STOP, 0);
    Atomics.store(w, WORD_STATE, RunnerState.Starting);
    entry.running.value = program;
    const arg: RunnerArg = { control: entry.buffer, program: url, arg: program.arg };
    // A returned value is said by the runner as the program returns (vm.run resolves only once the
    // page stops the runner); an error, here.
    entry.vm.run(new URL(runnerUrl, location.href).href, arg).catch(
      (error: Error & { stack?: string }) => { if (!/terminated/.test(error.message)) entry.say(`${error.name ?? 'Error'}: ${error.message}`, true, errorLine(error, url)); },
    ).finally(() => { if (entry.running.value === program) entry.running.value = undefined; });
  }

  /**
   * Stops the VM's program: asks it (its waits return STOPPED), and if it has not ended after a
   * grace period (a loop that never waits), terminates the VM and starts a fresh one in its place
   * with the same device string.
   */
  async stop(entry: VmEntry): Promise<VmEntry> {
    entry.requestStop();
    if (!entry.running.value) return entry;
    const ended = await Promise.race([
      new Promise<boolean>((resolve) => { const check = () => (entry.running.value ? setTimeout(check, 20) : resolve(true)); check(); }),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_GRACE_MS)),
    ]);
    if (ended) return entry;
    entry.say(`the program did not stop within ${STOP_GRACE_MS} ms (a loop that never waits): the VM was terminated and started again`, true);
    const index = this.vms.value.indexOf(entry);
    await this.kill(entry);
    const fresh = await this.addVm(entry.device);
    fresh.console.value = entry.console.value;
    fresh.source.value = entry.source.value;
    fresh.programArg = entry.programArg;
    fresh.origin = entry.origin;
    if (index >= 0) {
      const list = this.vms.value.filter((v) => v !== fresh);
      list.splice(index, 0, fresh);
      this.vms.value = list;
    }
    return fresh;
  }

  async kill(entry: VmEntry): Promise<void> {
    entry.ended.value = true;
    this.vms.value = this.vms.value.filter((v) => v !== entry);
    await entry.vm.terminate();
  }

  setPaused(on: boolean): void {
    this.paused.value = on;
    for (const entry of this.vms.value) entry.paused = on;
  }

  /** Once per animation frame: send queued commands, take log lines and new trace events. */
  tick(): void {
    if (!this.host) return;
    for (const entry of this.vms.value) {
      entry.pump();
      entry.pullLog();
    }
    const fresh = this.source?.drain() ?? [];
    if (fresh.length) {
      // Events carry one clock for all threads (timeOrigin + now); the page draws in its own.
      const origin = performance.timeOrigin;
      for (const e of fresh) e.time -= origin;
      const columns = new Columns(this);
      this.trace.append(fresh.map((event) => ({ event, place: columns.place(event) })));
      this.traceLost = this.source?.dropped ?? 0;
      this.traceVersion.value++;
    }
    this.frame.value++;
  }

  /**
   * Resolves once every VM's program has been seen in a wait (its driver is up), or rejects after
   * a minute (a first start loads the workers' modules, which on a loaded machine can take many
   * seconds). Seen at some look, not all at once: two VMs that hold each interrupt in turn are
   * never waiting at the same moment, and a look every 10 ms could miss their hand-overs for a
   * whole minute on a loaded machine (the stress run did).
   */
  untilWaiting(entries: VmEntry[], budgetMs = 60_000): Promise<void> {
    const waiting = (e: VmEntry) => [RunnerState.Block, RunnerState.Poll, RunnerState.Spin, RunnerState.Paused, RunnerState.Done].includes(e.state);
    const seen = new Set<VmEntry>();
    const deadline = performance.now() + budgetMs;
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const e of entries) if (waiting(e) || e.ended.value) seen.add(e);
        if (seen.size === entries.length) resolve();
        else if (performance.now() > deadline) reject(new Error('the VMs did not reach their first wait'));
        else setTimeout(check, 10);
      };
      check();
    });
  }

  entryById(id: number): VmEntry | undefined {
    return this.vms.value.find((e) => e.id === id);
  }
}

/** The line of a guest program's error, from its stack (the Blob URL's line:column). */
function errorLine(error: { stack?: string }, url: string): number | undefined {
  const match = error.stack?.split('\n').map((l) => l.match(/:(\d+):\d+\)?$/) && l.includes(url) ? l.match(/:(\d+):\d+\)?$/) : null).find(Boolean);
  return match ? Number(match[1]) : undefined;
}
