// The register path as a driver takes it: an aligned access goes to the device in one call into the
// core, with the checks made there (src/device/regions.ts, assembly/access.ts). What such an access
// must keep: QEMU's results for an 8-byte access (two 4-byte ones, the low half first) whatever
// its value, the refusals of a device that is not decoded, no allocation of its own, and what the
// 'spin' policy learns from a doorbell, whoever wrote it.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import { AccessError, Host, driver, layout as L, type Device } from '../../src/index.ts';
import { machineOf } from '../../src/host.ts';
import { doorbellPair, until } from '../cases/helpers.ts';

async function pair() {
  const host = await Host.create({ memory: '16M' });
  const { a, b } = doorbellPair(host, 1);
  driver.bringUpDoorbell(a);
  driver.bringUpDoorbell(b);
  return { host, a, b };
}

describe('8-byte accesses', () => {
  test('an 8-byte BAR0 read is IntrMask then IntrStatus, read once each, whatever the value (all ones included)', async () => {
    const { host, a } = await pair();
    const bar0 = a.bar(0);
    bar0.write(L.REG_INTRMASK, 4, 0xffffffff);
    bar0.write(L.REG_INTRSTATUS, 4, 0xffffffff);
    // ivshmem_io_read: IntrStatus reads and clears, so a second read of it would give 0.
    expect(bar0.read(0, 8)).toBe(0xffff_ffff_ffff_ffffn);
    expect(bar0.read(L.REG_INTRSTATUS, 4)).toBe(0);
    bar0.write(L.REG_INTRSTATUS, 4, 0x8000_0001);
    expect(bar0.read(0, 8)).toBe(0x8000_0001_ffff_ffffn);
    await host.shutdown();
  });

  test('8-byte MSI-X table accesses: bigints up to 2^64 - 1 and safe integers, both halves, low first', async () => {
    const { host, a } = await pair();
    const bar1 = a.bar(1);
    for (const value of [0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0xfee0_1234_0000_0001n, 0n]) {
      bar1.write(0, 8, value);
      expect(bar1.read(0, 8)).toBe(value);
      expect([bar1.read(0, 4), bar1.read(4, 4)]).toEqual([Number(value & 0xffff_ffffn), Number(value >> 32n)]);
    }
    bar1.write(0, 8, Number.MAX_SAFE_INTEGER);
    expect(bar1.read(0, 8)).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    expect(() => bar1.write(0, 8, 1n << 64n)).toThrow(AccessError);
    expect(() => bar1.write(0, 8, -1n)).toThrow(AccessError);
    expect(bar1.read(0, 8)).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    await host.shutdown();
  });

  test('8-byte memory BAR accesses at any offset: little-endian bytes, all ones and the top bit included, nothing past the end', async () => {
    const { host, a } = await pair();
    const bar2 = a.bar(2);
    const bytes = bar2.bytes!;
    const end = bar2.size - 8;
    const littleEndian = (value: bigint) => [...Array(8).keys()].map((k) => Number((value >> BigInt(8 * k)) & 0xffn));
    for (const [at, value] of [[0, 0xffff_ffff_ffff_ffffn], [8, 0x8000_0000_0000_0001n], [13, 0x0102_0304_0506_0708n], [end, 0xfedc_ba98_7654_3210n]] as const) {
      bar2.write(at, 8, value);
      expect([...bytes.subarray(at, at + 8)], `the bytes at ${at}`).toEqual(littleEndian(value));
      expect(bar2.read(at, 8), `read back at ${at}`).toBe(value);
    }
    bytes.fill(0xff, 32, 40);
    expect(bar2.read(32, 8), 'memory of all ones').toBe(0xffff_ffff_ffff_ffffn);
    bar2.write(40, 8, 2 ** 53 - 1);
    expect(bar2.read(40, 8)).toBe(BigInt(2 ** 53 - 1));
    expect(() => bar2.write(0, 8, 1n << 64n)).toThrow(AccessError);
    expect(() => bar2.read(end + 1, 8)).toThrow(AccessError);
    expect(() => bar2.write(end + 1, 8, 0n)).toThrow(AccessError);
    expect(bar2.read(0, 8)).toBe(0xffff_ffff_ffff_ffffn);
    await host.shutdown();
  });
});

test('with Memory Space Enable clear every BAR refuses every width, and nothing changes', async () => {
  const { host, a } = await pair();
  a.bar(0).write(L.REG_INTRMASK, 4, 0x1234);
  a.bar(2).write(8, 4, 0x5678);
  a.config.write(L.PCI_COMMAND, 2, a.config.read(L.PCI_COMMAND, 2) & ~L.PCI_COMMAND_MEMORY);
  for (const [bar, at] of [[0, 0], [1, 0], [2, 8]] as const) {
    for (const width of [1, 2, 4, 8]) {
      expect(() => a.bar(bar).read(at, width), `BAR${bar} ${width}-byte read`).toThrow(/not decoded: Memory Space Enable/);
      expect(() => a.bar(bar).write(at, width, width === 8 ? 0n : 0), `BAR${bar} ${width}-byte write`).toThrow(/not decoded: Memory Space Enable/);
    }
  }
  driver.enableDevice(a);
  expect(a.bar(0).read(L.REG_INTRMASK, 4)).toBe(0x1234);
  expect(a.bar(2).read(8, 4)).toBe(0x5678);
  await host.shutdown();
});

/**
 * Minor GCs (scavenges) while `run` runs: the young generation fills with what it allocates. GC
 * entries reach the observer later, on the event loop, in order: a scavenge forced after the run
 * marks the end, and once its entry has come, every entry of the run has.
 */
async function scavengesDuring(run: () => void): Promise<number> {
  let during = 0;
  let end = Infinity;
  let ended: () => void;
  const marked = new Promise<void>((resolve) => { ended = resolve; });
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MINOR) continue;
      if (entry.startTime < end) during++;
      else ended();
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  run();
  end = performance.now();
  forceGc({ type: 'minor' });
  await marked;
  observer.disconnect();
  return during;
}

test('an aligned access of any register kind allocates nothing (a million of them run with no scavenge)', async () => {
  const { host, a, b } = await pair();
  const ring = (b.ivPosition << 16) >>> 0;
  const [config, bar0, bar1, bar2] = [a.config, a.bar(0), a.bar(1), a.bar(2)];
  let sink = 0;
  const accesses = (n: number) => {
    for (let i = 0; i < n; i++) {
      sink += config.read(0, 2) + bar0.read(L.REG_IVPOSITION, 4) + bar0.read(L.REG_IVPOSITION, 1) + bar1.read(L.MSIX_ENTRY_VECTOR_CTRL, 4);
      sink += bar1.read(a.layout.pbaOffset, 4) + bar2.read(64, 4) + bar2.read(64, 2);
      bar0.write(L.REG_INTRMASK, 4, 0);
      bar0.write(L.REG_DOORBELL, 4, ring);
      bar1.write(L.MSIX_ENTRY_VECTOR_CTRL, 4, 0);
      bar1.write(0, 8, 0xfee00000);
      bar2.write(64, 4, i);
      bar2.write(72, 8, i);
      config.write(L.PCI_COMMAND, 2, L.PCI_COMMAND_IO | L.PCI_COMMAND_MEMORY | L.PCI_COMMAND_MASTER);
    }
  };
  expect(await scavengesOnceOptimized(accesses), '1.3 million accesses, each allocating even 16 bytes, fill the young generation several times').toBe(0);
  expect(sink).toBeGreaterThanOrEqual(0);
  await host.shutdown();
}, 120_000);

// A sysbus device has no Command register: its regions are always decoded, and the core must say so
// for its accesses to be one call (the full path cuts them into arrays of pieces, with bigints).
test("ivshmem-flat's register window and memory region take the same path: aligned, nothing allocated", async () => {
  const host = await Host.create({ memory: '16M' });
  host.addServer({ id: 'srv', size: '4M', vectors: 1 });
  const a = host.realize('ivshmem-flat,chardev=srv');
  const b = host.realize('ivshmem-flat,chardev=srv');
  const [mmio, shmem] = [a.bar(0), a.bar(1)];
  const ring = (b.ivPosition << 16) >>> 0;
  let sink = 0;
  const accesses = (n: number) => {
    for (let i = 0; i < n; i++) {
      sink += mmio.read(L.FLAT_IVPOSITION, 4) + mmio.read(L.FLAT_INTSTATUS, 4) + shmem.read(64, 4);
      mmio.write(L.FLAT_DOORBELL, 4, ring);
      mmio.write(L.FLAT_INTMASK, 4, 0);
      shmem.write(64, 4, i);
    }
  };
  expect(await scavengesOnceOptimized(accesses), '600,000 accesses, each allocating even 16 bytes, fill the young generation').toBe(0);
  expect(sink).toBeGreaterThanOrEqual(0);
  await host.shutdown();
}, 120_000);

// Unoptimized code boxes the numbers it passes around, and V8 optimizes a hot loop on a background
// thread: late, or not within a round, on a loaded machine. So the loop is optimized on the spot
// with V8's own test intrinsic before it is counted, and what is counted is what the accesses
// allocate, whatever the load. A round counts once it goes by with no scavenge (a deoptimization
// gets the loop optimized again).
setFlagsFromString('--allow-natives-syntax');
setFlagsFromString('--expose-gc');
const forceGc = runInNewContext('gc') as (options: { type: 'minor' }) => void;
const optimizeNow = new Function('f', 'n', '%PrepareFunctionForOptimization(f); f(n); f(n); %OptimizeFunctionOnNextCall(f); f(n);') as (f: (n: number) => void, n: number) => void;

async function scavengesOnceOptimized(accesses: (n: number) => void): Promise<number> {
  let scavenges = -1;
  for (let round = 0; round < 5 && scavenges !== 0; round++) {
    optimizeNow(accesses, 1000);
    scavenges = await scavengesDuring(() => accesses(100_000));
  }
  return scavenges;
}

describe("what the 'spin' policy learns from a doorbell", () => {
  const core = (host: Host) => machineOf(host).core;
  const ringFrom = (from: Device, to: number) => from.bar(0).write(L.REG_DOORBELL, 4, (to << 16) >>> 0);

  test('a doorbell written to the register that finds its peer not parked is reported once; one to an absent peer too', async () => {
    const { host, a, b } = await pair();
    expect(core(host).takeRangUnparked()).toBe(0);
    ringFrom(a, b.ivPosition);
    expect(core(host).takeRangUnparked()).toBe(1);
    expect(core(host).takeRangUnparked()).toBe(0);
    ringFrom(a, 999);
    expect(core(host).takeRangUnparked()).toBe(1);
    await host.shutdown();
  });

  test("ivshmem-flat's Doorbell reports it too (its own decoding, 16-bit vectors)", async () => {
    const host = await Host.create({ memory: '16M' });
    host.addServer({ id: 'srv', size: '4M', vectors: 1 });
    const a = host.realize('ivshmem-flat,chardev=srv');
    const b = host.realize('ivshmem-flat,chardev=srv');
    expect(core(host).takeRangUnparked()).toBe(0);
    a.bar(0).write(L.FLAT_DOORBELL, 4, (b.ivPosition << 16) >>> 0);
    expect(core(host).takeRangUnparked()).toBe(1);
    expect(core(host).takeRangUnparked()).toBe(0);
    await host.shutdown();
  });

  test("a wait tells whether it parked: an untimed 'spin' wait learns from it that its spin ran out", async () => {
    const { host, a, b } = await pair();
    const c = core(host);
    const wait = (spinNs: bigint, timeoutNs: bigint) => c.waitInterrupt(b.internals.block, b.vectors, timeoutNs, spinNs);
    // nothing pending, a 1 us spin and a 20 ms timeout: the spin runs out, the wait parks, times out
    expect(wait(1_000n, 20_000_000n)).toBe(L.WAIT_TIMEOUT);
    expect(c.takeWaitParked()).toBe(1);
    expect(c.takeWaitParked()).toBe(0);
    // an interrupt already pending: taken at once, no park
    ringFrom(a, b.ivPosition);
    expect(wait(1_000n, 20_000_000n)).toBe(0);
    expect(c.takeWaitParked()).toBe(0);
    // a timeout inside the spin: given up while spinning, not parked
    expect(wait(1_000_000_000n, 1_000_000n)).toBe(L.WAIT_TIMEOUT);
    expect(c.takeWaitParked()).toBe(0);
    // a parked wait leaves the flag set only until the next wait begins
    expect(wait(0n, 1_000_000n)).toBe(L.WAIT_TIMEOUT);
    ringFrom(a, b.ivPosition);
    expect(wait(1_000n, 20_000_000n)).toBe(0);
    expect(c.takeWaitParked()).toBe(0);
    await host.shutdown();
  });

  test('one that wakes its parked peer is not reported', async () => {
    const { host, a } = await pair();
    const waiter = `data:text/javascript,${encodeURIComponent("export default (vm) => { vm.bringUp(); return vm.wait({ mode: 'block', timeoutMs: 20000 }); }")}`;
    const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: waiter });
    await until(() => vm.device.snapshot().parked, 'the VM parks');
    core(host).takeRangUnparked();
    ringFrom(a, vm.id);
    expect(core(host).takeRangUnparked()).toBe(0);
    expect(await vm.result).toBe(0);
    await host.shutdown();
  }, 30_000);
});
