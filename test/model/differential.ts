// The differential property: random sequences of guest accesses, doorbells, resets, joins and
// leaves, and migrations, applied to the project (through its public Host API) and to the model
// in this folder; every result and every observable counter must agree after every step.
// Runs unchanged in Node (test/node/differential.test.ts) and in Chromium
// (test/browser/differential.spec.ts), which pass in the library's entry point.
import fc from 'fast-check';
import type * as Api from '../../src/index.ts';
import { ModelWorld, type Outcome } from './world.ts';
import type { Kind } from './device.ts';
import type { ModelDevice } from './device.ts';
import { CAP } from './msix.ts';

const SERVER_SIZE = 65536;

export type Op =
  | { op: 'realize'; kind: Kind; vectors: number; master: boolean }
  | { op: 'unrealize'; pick: number }
  | { op: 'configRead'; pick: number; width: number; offset: number }
  | { op: 'configWrite'; pick: number; width: number; offset: number; value: number }
  | { op: 'barRead'; pick: number; bar: number; width: number; offset: number }
  | { op: 'barWrite'; pick: number; bar: number; width: number; offset: number; value: number | bigint }
  | { op: 'ring'; pick: number; to: number; vector: number }
  | { op: 'bringUp'; pick: number }
  | { op: 'take'; pick: number }
  | { op: 'reset'; pick: number }
  | { op: 'migrate'; from: number; to: number };

// mostly the same device or two, so that sequences on one device (mask, ring, unmask) happen
const pick = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 1) }, { weight: 2, arbitrary: fc.nat({ max: 7 }) });
const width = fc.constantFrom(1, 2, 4, 8);
const u32 = fc.oneof(fc.constantFrom(0, 1, 2, 3, 0x7, 0xffffffff, 0x8000, 0xc000, 0x4000, 0x0506, 0x0507, 0x0100), fc.nat({ max: 0xffffffff }));
const aligned = (max: number) => fc.tuple(fc.nat({ max }), fc.constantFrom(1, 2, 4)).map(([o, w]) => ({ offset: o - (o % w), width: w }));

export const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('realize' as const), kind: fc.constantFrom<Kind>('doorbell', 'doorbell', 'plain', 'legacy-intx'), vectors: fc.integer({ min: 1, max: 4 }), master: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unrealize' as const), pick }) },
  { weight: 3, arbitrary: fc.record({ pick, op: fc.constant('configRead' as const), w: aligned(255) }).map(({ w, ...r }) => ({ ...r, ...w })) },
  { weight: 4, arbitrary: fc.record({ pick, op: fc.constant('configWrite' as const), w: aligned(255), value: u32 }).map(({ w, ...r }) => ({ ...r, ...w, value: r.value % 2 ** (w.width * 8) })) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('barRead' as const), pick, bar: fc.constantFrom(0, 1, 2), width, offset: fc.oneof(fc.nat({ max: 20 }), fc.nat({ max: 4200 })) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('barWrite' as const), pick, bar: fc.constantFrom(0, 1, 2), width, offset: fc.oneof(fc.nat({ max: 20 }), fc.constantFrom(12, 28, 44, 60, 2048), fc.nat({ max: 4200 })), value: u32, high: u32 })
    .map(({ high, ...r }) => ({ ...r, value: r.width === 8 ? BigInt(r.value) | (BigInt(high) << 32n) : r.value % 2 ** (r.width * 8) })) },
  // doorbells to a live device's ID (resolved when run), and to any ID
  { weight: 8, arbitrary: fc.record({ pick, dest: fc.oneof({ weight: 5, arbitrary: fc.nat({ max: 5 }) }, { weight: 1, arbitrary: fc.nat({ max: 0xffff }) }), vector: fc.oneof({ weight: 5, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: fc.nat({ max: 0xffff }) }) })
    .map(({ pick, dest, vector }): Op => ({ op: 'barWrite', pick, bar: 0, width: 4, offset: 12, value: (dest * 0x10000 + vector) >>> 0 })) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('ring' as const), pick, to: pick, vector: fc.nat({ max: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('bringUp' as const), pick }) },
  // mask toggles: an entry's mask bit, or Message Control's Enable and Function Mask
  { weight: 4, arbitrary: fc.record({ pick, vector: fc.nat({ max: 3 }), masked: fc.boolean() })
    .map(({ pick, vector, masked }): Op => ({ op: 'barWrite', pick, bar: 1, width: 4, offset: vector * 16 + 12, value: masked ? 1 : 0 })) },
  { weight: 2, arbitrary: fc.record({ pick, value: fc.constantFrom(0x8000, 0xc000, 0x4000, 0) })
    .map(({ pick, value }): Op => ({ op: 'configWrite', pick, width: 2, offset: CAP + 2, value })) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('take' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reset' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('migrate' as const), from: pick, to: pick }) },
);

/** The run's starting point: the server's vector count. */
export const scenarioArbitrary = fc.record({ serverVectors: fc.integer({ min: 1, max: 3 }), ops: fc.array(opArbitrary, { minLength: 10, maxLength: 120, size: 'max' }) });
export type Scenario = { serverVectors: number; ops: Op[] };

interface Pair {
  real: Api.Device;
  model: ModelDevice;
  handle: number;
  kind: Kind;
  master: boolean;
  memdev?: string;
}

function widthOk(width: number, widths: number[], offset: number, size: number): boolean {
  return widths.includes(width) && offset % width === 0 && offset + width <= size;
}

/**
 * The project refuses an access outside the BAR, misaligned, or of a width the region never takes
 * (AccessError, README "Guarantees"): a guest on real hardware cannot even issue most of these.
 */
function accessRefused(pair: Pair, bar: number, width: number, offset: number): boolean {
  const size = pair.model.bars.find((b) => b.index === bar)?.size;
  return size === undefined || ![1, 2, 4, 8].includes(width) || offset + width > size;
}

/**
 * Inputs the model leaves out: a register access at an address its width does not divide (QEMU's
 * memory core cuts it in pieces; `npm run conformance:qemu` checks those against a real QEMU).
 */
function outsideModel(op: Op): boolean {
  return (op.op === 'barRead' || op.op === 'barWrite') && (op.bar === 0 || op.bar === 1) && op.offset % op.width !== 0;
}

function outcome(run: () => number | bigint | void, errors: { QemuError: Function; AccessError: Function }): Outcome {
  try {
    const value = run();
    return value === undefined ? { ok: true } : { ok: true, value };
  } catch (error) {
    if (error instanceof errors.AccessError) return { ok: false, error: 'AccessError' };
    if (error instanceof errors.QemuError) return { ok: false, error: 'QemuError' };
    throw error;
  }
}

/** What the guest and host can observe of one device, compared after every step. */
function observe(device: { ivPosition: number; peers(): { id: number; vectors: number }[]; vectors: number; interrupts: Api.InterruptView }): unknown {
  const vectors = Array.from({ length: Math.max(1, device.vectors) }, (_, v) => v);
  return {
    ivPosition: device.ivPosition,
    peers: device.peers(),
    delivered: vectors.map((v) => device.interrupts.delivered(v)),
    pending: vectors.map((v) => device.interrupts.pending(v)),
    masked: vectors.map((v) => device.interrupts.masked(v)),
    intx: device.interrupts.intx,
    lost: device.interrupts.lost,
    dropped: device.interrupts.dropped,
  };
}

function observeModel(m: ModelDevice): unknown {
  const vectors = Array.from({ length: Math.max(1, m.vectors) }, (_, v) => v);
  return {
    ivPosition: m.options.kind === 'plain' ? 0 : m.vmId,
    peers: [...m.peers.entries()].map(([id, vectors]) => ({ id, vectors })).sort((a, b) => a.id - b.id),
    delivered: vectors.map((v) => m.delivered[v]),
    pending: vectors.map((v) => m.pending(v)),
    // Documented divergence (README, "Where it differs from QEMU"): msix_reset leaves QEMU's cached
    // msix_function_masked as it was until the guest next writes Message Control, so right after a
    // reset of an enabled device QEMU can call a vector unmasked while MSI-X is off. The project
    // computes the function mask from the register: with MSI-X off every vector is masked. ivshmem
    // drops events while MSI-X is off (TCG), so only this view differs; it is compared while
    // MSI-X is enabled, where both agree.
    masked: vectors.map((v) => (m.msix && !m.msix.enabled ? true : m.masked(v))),
    intx: m.intx,
    lost: m.lost,
    dropped: m.dropped,
  };
}

/**
 * BAR0's MemoryRegionOps implement 4-byte accesses only: QEMU's memory core turns a 1- or 2-byte
 * access at `o` into one 4-byte access at `o` (ivshmem_io_write masks the address with 0xfc,
 * ivshmem_io_read does not) and an 8-byte one into two, at `o` and `o + 4`.
 */
function bar0Pieces(offset: number, width: number, value: number | bigint): [number, number][] {
  if (width !== 8) return [[offset, Number(value)]];
  const v = BigInt(value);
  return [[offset, Number(v & 0xffffffffn)], [offset + 4, Number(v >> 32n)]];
}

export class Mismatch extends Error {
  override name = 'Mismatch';
}

function same(what: string, real: unknown, model: unknown): void {
  const a = JSON.stringify(real, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
  const b = JSON.stringify(model, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
  if (a !== b) throw new Mismatch(`${what}: project ${a}, model ${b}`);
}

/** Runs one scenario against a fresh host and a fresh model; throws Mismatch at the first difference. */
export async function runScenario(api: typeof Api, scenario: Scenario): Promise<void> {
  // the model drops a doorbell that comes before MSI-X is enabled, as QEMU does under TCG
  const host = await api.Host.create({ memory: '8M', accel: 'tcg' });
  const server = host.addServer({ id: 'srv', size: SERVER_SIZE, vectors: scenario.serverVectors });
  const memdevs = [0, 1, 2, 3].map((i) => host.addObject(`memory-backend-ram,id=m${i},size=${SERVER_SIZE},share=on`).id);
  const world = new ModelWorld(scenario.serverVectors, SERVER_SIZE);
  const pairs: Pair[] = [];
  const at = (n: number): Pair | undefined => (pairs.length ? pairs[n % pairs.length] : undefined);
  const errors = { QemuError: api.QemuError, AccessError: api.AccessError };
  let saved: { real: Uint8Array; model: ReturnType<ModelDevice['save']>; kind: Kind; vectors: number } | undefined;

  for (const [step, generated] of scenario.ops.entries()) {
    // a ring is the Doorbell write to the ID the other device has now
    const target = generated.op === 'ring' ? at(generated.to) : undefined;
    const op: Op = generated.op !== 'ring' ? generated
      : { op: 'barWrite', pick: generated.pick, bar: 0, width: 4, offset: 12, value: (((target?.model.vmId ?? 0) << 16) | generated.vector) >>> 0 };
    const where = `step ${step} ${JSON.stringify(op, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
    if (op.op === 'realize') {
      if (pairs.length >= 6) continue;
      const memdev = op.kind === 'plain' ? memdevs.find((id) => !pairs.some((p) => p.memdev === id)) : undefined;
      if (op.kind === 'plain' && !memdev) continue;
      const master = op.master ? 'on' : 'off';
      const text = op.kind === 'plain' ? `ivshmem-plain,memdev=${memdev},master=${master}`
        : op.kind === 'doorbell' ? `ivshmem-doorbell,chardev=srv,vectors=${op.vectors},master=${master}`
        // the pin-based legacy device takes the server's vector count (fewer fail later, in setup)
        : `ivshmem,chardev=srv,msi=off,size=64K,vectors=${scenario.serverVectors},role=${op.master ? 'master' : 'peer'}`;
      const vectors = op.kind === 'legacy-intx' ? scenario.serverVectors : op.kind === 'doorbell' ? op.vectors : 0;
      let real: Api.Device | undefined;
      const realOutcome = outcome(() => { real = host.realize(text); }, errors);
      if (real) await real.ready;
      const modelResult = world.realize(op.kind, vectors, op.kind === 'plain' ? false : op.master, memdev);
      same(`${where} realize`, realOutcome, 'error' in modelResult ? { ok: false, error: modelResult.error } : { ok: true });
      if (real && 'handle' in modelResult) {
        pairs.push({ real, model: world.devices.get(modelResult.handle)!, handle: modelResult.handle, kind: op.kind, master: op.master, memdev });
      }
    } else if (op.op === 'migrate') {
      const from = at(op.from);
      const to = at(op.to);
      if (!from || !to) continue;
      const masterOf = (p: Pair) => p.master && (p.kind === 'plain' || p.model.vmId === 0);
      const realSave = outcome(() => { saved = undefined; const s = from.real.save(); saved = { real: s, model: from.model.save(), kind: from.kind, vectors: from.model.vectors }; }, errors);
      same(`${where} save`, realSave, masterOf(from) ? { ok: true } : { ok: false, error: 'QemuError' });
      if (!saved) continue;
      const state = saved;
      const realLoad = outcome(() => to.real.load(state.real), errors);
      const fits = masterOf(to) && state.kind === to.kind && state.vectors === to.model.vectors;
      if (fits) to.model.load(state.model);
      same(`${where} load`, realLoad, fits ? { ok: true } : { ok: false, error: 'QemuError' });
    } else {
      const pair = at(op.pick);
      if (!pair) continue;
      if (outsideModel(op)) continue;
      const { real, model } = pair;
      let realOutcome: Outcome;
      let modelOutcome: Outcome;
      switch (op.op) {
        case 'unrealize':
          realOutcome = outcome(() => real.unrealize(), errors);
          world.unrealize(pair.handle);
          pairs.splice(pairs.indexOf(pair), 1);
          modelOutcome = { ok: true };
          break;
        case 'configRead':
          realOutcome = outcome(() => real.config.read(op.offset, op.width), errors);
          modelOutcome = { ok: true, value: model.configRead(op.offset, op.width) };
          break;
        case 'configWrite':
          realOutcome = outcome(() => real.config.write(op.offset, op.width, op.value), errors);
          model.configWrite(op.offset, op.width, op.value);
          modelOutcome = { ok: true };
          break;
        case 'barRead':
        case 'barWrite': {
          const write = op.op === 'barWrite';
          realOutcome = outcome(() => (write ? real.bar(op.bar).write(op.offset, op.width, op.value) : real.bar(op.bar).read(op.offset, op.width)), errors);
          if (accessRefused(pair, op.bar, op.width, op.offset)) {
            modelOutcome = { ok: false, error: 'AccessError' };
          } else if (!model.memoryEnabled) {
            // Memory Space clear: QEMU 7.2 on pc reads 0 and drops writes (unassigned memory); the
            // project refuses the access on purpose (README "Where it differs": Accesses need
            // Memory Space Enable), and the model follows the documented choice
            modelOutcome = { ok: false, error: 'AccessError' };
          } else if (op.bar === 0) {
            if (write) {
              for (const [offset, value] of bar0Pieces(op.offset, op.width, op.value)) world.bar0Write(pair.handle, offset, value);
              modelOutcome = { ok: true };
            } else {
              const pieces = bar0Pieces(op.offset, op.width, 0).map(([offset]) => model.bar0Read(offset));
              modelOutcome = { ok: true, value: op.width === 8 ? BigInt(pieces[0]) | (BigInt(pieces[1]) << 32n) : pieces[0] % 2 ** (op.width * 8) };
            }
          } else if (op.bar === 1) {
            if (op.width < 4) {
              // msix_table_mmio_ops / msix_pba_mmio_ops are valid for 4..8 bytes only: a narrower
              // access is refused by the memory core: reads 0, writes are dropped
              modelOutcome = write ? { ok: true } : { ok: true, value: 0 };
            } else {
              if (write) model.bar1Write(op.offset, op.width as 4 | 8, op.value);
              modelOutcome = write ? { ok: true } : { ok: true, value: model.bar1Read(op.offset, op.width as 4 | 8) };
            }
          } else {
            if (write) model.bar2Write(op.offset, op.width, op.value);
            modelOutcome = write ? { ok: true } : { ok: true, value: model.bar2Read(op.offset, op.width) };
          }
          break;
        }
        case 'bringUp': {
          // the driver's steps as primitive accesses, each applied to both
          const steps: Op[] = [{ op: 'configWrite', pick: op.pick, offset: 4, width: 2, value: (model.configRead(4, 2) | 0x7) & ~0x100 }];
          if (pair.kind === 'doorbell') {
            steps.push({ op: 'configWrite', pick: op.pick, offset: CAP + 2, width: 2, value: (model.configRead(CAP + 2, 2) & ~0x4000) | 0x8000 });
            for (let v = 0; v < model.vectors; v++) steps.push({ op: 'barWrite', pick: op.pick, bar: 1, offset: v * 16 + 12, width: 4, value: 0 });
          } else if (pair.kind === 'legacy-intx') {
            steps.push({ op: 'barWrite', pick: op.pick, bar: 0, offset: 0, width: 4, value: 0xffffffff });
          }
          await runSteps(world, pairs, steps, errors, where);
          continue;
        }
        case 'take':
          realOutcome = outcome(() => real.interrupts.take(), errors);
          modelOutcome = { ok: true, value: model.take() };
          break;
        case 'reset':
          realOutcome = outcome(() => real.reset(), errors);
          model.reset();
          modelOutcome = { ok: true };
          break;
      }
      same(where, realOutcome!, modelOutcome!);
    }
    for (const p of pairs) same(`${where}: device ${p.handle} (${p.kind}) afterwards`, observe(p.real), observeModel(p.model));
    same(`${where}: the server's peers`, server.peerIds, world.server.peers);
  }
  // At the end: every config byte, and every message the server sent, in order.
  for (const p of pairs) {
    same(`device ${p.handle} (${p.kind}) config space at the end`, Array.from({ length: 256 }, (_, i) => p.real.config.read(i, 1)), Array.from(p.model.config.bytes));
  }
  const wire = server.log.filter((e) => e.event === 'send').map((e) => ({ to: e.peer, value: `${e.message!.value}`, fd: e.message!.handle?.kind ?? null }));
  same("the server's messages", wire, world.server.wire.map((m) => ({ to: m.to, value: `${m.value}`, fd: m.fd?.kind ?? null })));
  await host.shutdown();
}

async function runSteps(world: ModelWorld, pairs: Pair[], steps: Op[], errors: { QemuError: Function; AccessError: Function }, where: string): Promise<void> {
  for (const step of steps) {
    const pair = pairs[(step as { pick: number }).pick % pairs.length];
    let real: Outcome;
    if (step.op === 'configWrite') {
      real = outcome(() => pair.real.config.write(step.offset, step.width, step.value), errors);
      pair.model.configWrite(step.offset, step.width, step.value);
    } else if (step.op === 'barWrite') {
      real = outcome(() => pair.real.bar(step.bar).write(step.offset, step.width, step.value), errors);
      if (step.bar === 0) world.bar0Write(pair.handle, step.offset, Number(step.value));
      else pair.model.bar1Write(step.offset, 4, step.value);
    } else {
      throw new Error(`not a bring-up step: ${step.op}`);
    }
    same(`${where} bring-up ${JSON.stringify(step)}`, real, { ok: true });
  }
}

/** The property, for fc.assert; `examples` are shrunk failures kept as named cases elsewhere. */
export function differentialProperty(api: typeof Api) {
  return fc.asyncProperty(scenarioArbitrary, (scenario) => runScenario(api, scenario));
}

/** Runs the property and reports plainly (for a page, where an exception would lose the details). */
export async function checkDifferential(api: typeof Api, options: { numRuns: number; seed: number }): Promise<{ ok: boolean; runs: number; report: string }> {
  const details = await fc.check(differentialProperty(api), options);
  return { ok: !details.failed, runs: details.numRuns, report: details.failed ? fc.defaultReportMessage(details) ?? 'failed' : '' };
}
