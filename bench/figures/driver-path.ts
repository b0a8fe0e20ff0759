// Figure 6: the driver's path. A guest program (and any driver a user brings) reaches its device
// through the public API, config.read/write and bar(n).read/write, not through the core: what each
// kind of register access costs there, at every width its region accepts, beside a config-space
// read and the bare core call, in the page's thread and in a VM worker; then a doorbell ping-pong
// written as a driver writes it (the Doorbell register, timed waits) beside vm.ring with untimed
// waits, in each wait mode. Runs in Node and in Chromium.
import { Host, type WaitMode } from '../../src/index.ts';
import { ACCESSES, CONFIG_READ, CORE_READ, accessLoop, type Access, type AccessContext, type Target } from '../lib/accesses.ts';
import { doorbellPair } from '../lib/devices.ts';
import { rawCore } from '../lib/raw-core.ts';
import { calibrate, measureTable, type Compare, type Contender, type Table } from '../lib/stats.ts';
import { vmPair, type BatchHow, type VmPair } from '../lib/vm-pair.ts';
import { pairThreads, pinPairs, threadIds } from '../lib/placement.ts';
import type { ThreadControl } from '../lib/threads.ts';
import type { DriverPathArg } from '../programs/driver-path.ts';

export interface DriverPathOptions {
  platform: string;
  /** URL of bench/programs/driver-path.ts as a VM worker imports it */
  programUrl: string;
  /** URL of bench/programs/ping-pong.ts as a VM worker imports it */
  pingPongUrl: string;
  quick: boolean;
  /** the shipped core, build/ivshmem.wasm */
  wasm(): Promise<ArrayBuffer>;
  /** the OS threads, to pin each ping-pong pair a core each (Platform.threads); absent: not pinned */
  threads?: ThreadControl;
  progress?(text: string): void;
}

/** A wait's timeout in the timed rows: far beyond any batch, so it only costs what setting it costs. */
const TIMEOUT_MS = 60_000;

function compare(access: Access): Compare[] | undefined {
  if (access.label === CONFIG_READ || access.label === CORE_READ) return undefined;
  return [{ to: CONFIG_READ, atMost: access.atMost }, { to: CORE_READ }];
}

const accessMethod = (n: number, where: string) => `Each sample is ${n} accesses in a loop of their own (one call site, one width, as in a driver), `
  + `${where}, divided by their count; contenders alternate, each round starting one further on. The goals: every BAR access at most `
  + '2x a config-space read, a Doorbell write at most 4x. The Doorbell rings a host-side device\'s vector 0, unmasked, so each write '
  + 'delivers an interrupt (nobody is parked on it: no wake-up).';

export async function driverPathFigure(options: DriverPathOptions): Promise<Table[]> {
  const { quick, platform } = options;
  const say = options.progress ?? (() => {});
  // Short samples, many rounds: on a shared machine a sample that meets a preemption is an outlier
  // the median of the per-round ratios leaves out, where long samples all met some.
  const n = 20_000;
  const rounds = quick ? 15 : 61;
  const tables: Table[] = [];
  const host = await Host.create({ memory: '16M' });
  try {
    const { a, b } = doorbellPair(host);
    const wasm = await options.wasm();
    const raw = await rawCore(wasm, a.ivPosition);
    const ring = (b.ivPosition << 16) >>> 0;
    const context: AccessContext = { ring, rawBlock: raw.block, pba: a.layout.pbaOffset };
    const target = (t: Target): unknown => (t === 'core' ? raw.core : t === 'config' ? a.config : a.bar(t));

    say('driver path: register accesses in the page\'s thread');
    tables.push(await measureTable({
      title: `${platform}: a driver's register accesses, in the page's thread (ns per access)`,
      unit: 'ns',
      rounds,
      method: accessMethod(n, 'on a host-side ivshmem-doorbell brought up as a driver does'),
      contenders: ACCESSES.map((access): Contender => {
        const loop = accessLoop(access, context);
        const region = target(access.target);
        return { label: access.label, compare: compare(access), sample: async () => loop(region, n) };
      }),
    }));

    say('driver path: register accesses in a VM worker');
    const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv' });
    await vm.run(options.programUrl, { setup: { wasm, ring } } satisfies DriverPathArg);
    tables.push(await measureTable({
      title: `${platform}: a driver's register accesses, in a VM worker (ns per access)`,
      unit: 'ns',
      rounds,
      method: accessMethod(n, 'by a guest program on its own device (vm.device), brought up with vm.bringUp()'),
      contenders: ACCESSES.map((access, k): Contender => ({
        label: access.label,
        compare: compare(access),
        sample: async () => (await vm.run(options.programUrl, { access: k, n } satisfies DriverPathArg)) as number,
      })),
    }));
  } finally {
    await host.shutdown();
  }

  say('driver path: ping-pong');
  tables.push(await pingPong(options));
  return tables;
}

const SHORTCUT = (mode: WaitMode) => `'${mode}': vm.ring + wait({ mode: '${mode}' })`;

/**
 * The doorbell ping-pong four ways per wait mode, each mode on a pair of its own (so the four
 * compare on the same two workers): vm.ring or the Doorbell register written through bar(0), with
 * untimed or timed waits. The driver's round trip (the register, timed) and a timed wait are each
 * held to 1.1x vm.ring with untimed waits. Where the platform can, each pair's two threads are
 * pinned a core each: unpinned, the scheduler moved a 'block' pair between one core (20 us a round
 * trip) and two (60 us) from one batch to the next, which no ratio between its samples survives.
 */
async function pingPong(options: DriverPathOptions): Promise<Table> {
  const targetMs = options.quick ? 12 : 40;
  const rounds = options.quick ? 5 : 15;
  const modes: WaitMode[] = ['poll', 'spin', 'block'];
  const pairs: VmPair[] = [];
  const control = options.threads;
  try {
    // The pairs' threads are among those born while the pairs are created. A first spawn takes the
    // spare worker an earlier one started (the accesses above, or another figure's), born before:
    // a pair made and closed first takes it, and leaves a spare born after the count.
    const before = control ? await threadIds(control) : new Set<number>();
    if (control) await (await vmPair(options.pingPongUrl, 'block')).close();
    for (const mode of modes) pairs.push(await vmPair(options.pingPongUrl, mode));
    const born = control ? [...await threadIds(control)].filter((tid) => !before.has(tid)) : [];
    const placement = control ? await pinEach(control, pairs, born) : 'not pinned (this platform cannot pin threads)';
    const contenders: Contender[] = [];
    for (const [k, mode] of modes.entries()) {
      const pair = pairs[k];
      const size = await calibrate((count) => pair.batch(count), targetMs, 20, 50);
      const variants: [string, BatchHow, Compare[] | undefined][] = [
        [SHORTCUT(mode), {}, undefined],
        [`'${mode}': vm.ring + wait({ mode: '${mode}', timeoutMs })`, { timeoutMs: TIMEOUT_MS }, [{ to: SHORTCUT(mode), atMost: 1.1 }]],
        [`'${mode}': bar(0).write(Doorbell) + wait({ mode: '${mode}' })`, { driver: true }, [{ to: SHORTCUT(mode) }]],
        [`'${mode}': bar(0).write(Doorbell) + wait({ mode: '${mode}', timeoutMs }), the driver's round trip`, { driver: true, timeoutMs: TIMEOUT_MS }, [{ to: SHORTCUT(mode), atMost: 1.1 }]],
      ];
      for (const [label, how, compare] of variants) {
        // Untimed warm-up: JIT, caches, and the 'spin' policy's state reach their steady state.
        await pair.batch(size * 2, how);
        contenders.push({ label, compare, sample: async () => ((await pair.batch(size, how)) * 1000) / size });
      }
    }
    return await measureTable({
      title: `${options.platform}: a driver's doorbell round trip beside vm.ring, per wait mode (us per round trip)`,
      unit: 'us',
      rounds,
      method: `Each sample is one batch of round trips between two VM workers (sized to take about ${targetMs} ms with vm.ring and `
        + `untimed waits, after an untimed warm-up batch twice that size of each way), divided by its count; each mode on a pair of its `
        + `own, every way of every mode giving one sample in turn, ${rounds} rounds. Timed waits have a timeout of ${TIMEOUT_MS / 1000} s, `
        + 'which no wait comes near: they cost only what setting it costs. Goals: the driver\'s round trip (the Doorbell register '
        + `through bar(0), timed waits) and a timed wait each at most 1.1x vm.ring with untimed waits. Placement: ${placement}.`,
      contenders,
    });
  } finally {
    await Promise.all(pairs.map((pair) => pair.close()));
  }
}

/** Pins each pair's two threads a core each (cores 0 and 1); says how the pairs were placed. */
async function pinEach(control: ThreadControl, pairs: VmPair[], born: number[]): Promise<string> {
  if (await control.cpus() < 2) return 'not pinned (one core)';
  const found: [number, number][] = [];
  for (const pair of pairs) {
    const rounds = await calibrate((n) => pair.batch(n), 50, 20, 50);
    const threads = await pairThreads(control, born, () => pair.batch(rounds));
    if (typeof threads === 'string') return `not pinned (a pair's threads could not be told apart: ${threads})`;
    found.push(threads);
  }
  await pinPairs(control, found, [[0], [1]]);
  return "each pair's two threads pinned a core each (cores 0 and 1), found as the two threads, of those born while the pairs were created, that ran most during a batch of it";
}
