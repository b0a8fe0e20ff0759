// Every argument of the rings' public API is checked, as the README promises: a bad one gets a
// QemuError or an AccessError (never a subclass such as RingBrokenError, never a raw TypeError)
// whose message names it, and the call changes nothing in the shared memory. Each numeric
// argument is fuzzed with what a caller can get wrong: fractions, NaN and infinities, strings,
// bigints, objects, negatives, and a valid value plus a multiple of 2^32 (which the core's u32
// arguments would silently wrap back to the valid one).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { AccessError, QemuError } from '../../src/errors.ts';
import { Host } from '../../src/index.ts';
import { machineOf } from '../../src/host.ts';
import type { Guest } from '../../src/vm/guest.ts';
import { guestRings, vmDoorbell, type GuestRingOptions } from '../../src/vm/guest-rings.ts';
import type { Doorbell } from '../../src/ring/doorbell.ts';
import { MessageConsumer, MessageProducer, formatMessageRing, messageRingBytes } from '../../src/ring/message-ring.ts';
import { VirtqueueDevice, VirtqueueDriver, splitLayout } from '../../src/ring/virtqueue.ts';
import { REGION, STATE_A, STATE_B, ringMemory } from './ring-fixture.ts';

const ctx = await ringMemory();
const DATA = 0x10000;

type ErrorClass = typeof QemuError | typeof AccessError;

function expectRefusal(error: unknown, kind: ErrorClass, names: RegExp): void {
  expect(error, 'refused').toBeInstanceOf(Error);
  const { name, message } = error as Error;
  expect(Object.getPrototypeOf(error), `${name}: ${message}`).toBe(kind.prototype);
  expect(message, 'the message names the argument').toMatch(names);
}

/** `call` throws exactly `kind`, naming the argument (`names`), and leaves `bytes` as they were. */
function refused(call: () => unknown, kind: ErrorClass, names: RegExp, bytes = ctx.bytes): void {
  const before = bytes.slice();
  let error: unknown;
  try { call(); } catch (e) { error = e; }
  expectRefusal(error, kind, names);
  expect(Buffer.compare(bytes, before), 'a refused call changed the shared memory').toBe(0);
}

async function refusedAsync(call: () => Promise<unknown>, kind: ErrorClass, names: RegExp): Promise<void> {
  const before = ctx.bytes.slice();
  let error: unknown;
  try { await call(); } catch (e) { error = e; }
  expectRefusal(error, kind, names);
  expect(Buffer.compare(ctx.bytes, before), 'a refused call changed the shared memory').toBe(0);
}

/** The values every run of a property tries first: each kind of mistake, `valid` being right. */
function mistakes(valid: number): unknown[] {
  return [NaN, Infinity, -Infinity, valid + 0.5, -1, valid + 2 ** 32, String(valid), BigInt(valid), null, {}, [valid], Symbol('n'), true, Object(valid)];
}

/** What a caller can pass where an integer in [0, 2^32) goes, `valid` being one. */
function badNumber(valid: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.double().filter((x) => !Number.isInteger(x)), // fractions, NaN, +-Infinity
    fc.integer({ min: -(2 ** 31), max: -1 }),
    fc.integer({ min: 1, max: 2 ** 20 }).map((k) => valid + k * 2 ** 32), // the core would see `valid`
    fc.constantFrom(...mistakes(valid)),
  );
}

/** Every value of badNumber(valid) is refused by `check` (the mistakes first, then random ones). */
function everyBadNumber(valid: number, check: (value: unknown) => void): void {
  fc.assert(fc.property(badNumber(valid), check), { numRuns: 30, examples: mistakes(valid).map((v) => [v]) });
}

/** What a caller can pass where an object goes. */
const notAnObject: unknown[] = [null, 5, 'x', Symbol('o'), true, 5n];

/** A doorbell that never sleeps (single-threaded tests) and keeps the timeouts it was given. */
function recordingDoorbell() {
  const bell = {
    timeouts: [] as number[],
    ring() {},
    wait(_w: Int32Array, _i: number, _e: number, timeoutMs: number) { bell.timeouts.push(timeoutMs); return false; },
    async waitAsync(_w: Int32Array, _i: number, _e: number, timeoutMs: number) { bell.timeouts.push(timeoutMs); return false; },
  } satisfies Doorbell & { timeouts: number[] };
  return bell;
}

function messageRing(capacity = 256) {
  formatMessageRing(ctx, REGION, capacity);
  const pbell = recordingDoorbell();
  const cbell = recordingDoorbell();
  return {
    producer: new MessageProducer(ctx, { region: REGION, state: STATE_A, doorbell: pbell }),
    consumer: new MessageConsumer(ctx, { region: REGION, state: STATE_B, doorbell: cbell }),
    pbell, cbell,
  };
}

const vqOptions = (size = 8) => ({ ...ctx, region: REGION, size });
const vqPair = (size = 8) => ({ driver: new VirtqueueDriver({ ...vqOptions(size), state: STATE_A }), device: new VirtqueueDevice({ ...vqOptions(size), state: STATE_B }) });

describe('the holes a user reported', () => {
  test('formatMessageRing(ctx, region, 64.5, 0) is refused, not a 64-byte ring', () => {
    refused(() => formatMessageRing(ctx, REGION, 64.5, 0), QemuError, /capacity .*64\.5/);
  });

  test('a string capacity \'256\' is refused, alone or with an offset (not \'256\' + 192)', () => {
    refused(() => formatMessageRing(ctx, REGION, '256' as unknown as number), QemuError, /capacity .*'256'/);
    refused(() => formatMessageRing(ctx, REGION, '256' as unknown as number, 192), QemuError, /capacity .*'256'/);
    refused(() => messageRingBytes('256' as unknown as number), QemuError, /capacity .*'256'/);
  });

  test('a virtqueue side at 2^32 + 0x100 is refused, not placed at 0x100', () => {
    const layout = splitLayout(8, 0x100);
    for (const Side of [VirtqueueDriver, VirtqueueDevice]) {
      for (const part of ['desc', 'avail', 'used'] as const) {
        refused(() => new Side({ ...vqOptions(), state: STATE_A, layout: { ...layout, [part]: layout[part] + 2 ** 32 } }), QemuError, new RegExp(`layout\\.${part} .*${layout[part] + 2 ** 32}`));
      }
    }
    refused(() => new VirtqueueDriver({ ...vqOptions(), state: STATE_A, layout: splitLayout(8, 2 ** 32 + 0x100) }), QemuError, /\(at\)/);
  });

  test('a misaligned message-ring offset is refused as misaligned, not as a broken ring (error 20)', () => {
    formatMessageRing(ctx, REGION, 256);
    refused(() => formatMessageRing(ctx, REGION, 256, 8), QemuError, /at 8 .*not 64-byte aligned/);
    for (const Side of [MessageProducer, MessageConsumer]) {
      refused(() => new Side(ctx, { region: REGION, at: 8, state: STATE_A }), QemuError, /at 8 .*not 64-byte aligned/);
      // the region's own misalignment counts: the address is what must be aligned
      refused(() => new Side(ctx, { region: { offset: REGION.offset + 32, size: 4096 }, at: 0, state: STATE_A }), QemuError, /at 0 .*not 64-byte aligned/);
    }
  });
});

// Each numeric argument: setup() makes what the call needs and returns the call; every bad value
// is refused and changes nothing, and then the valid value is taken (so the setup is right).
interface NumericArgument { what: string; valid: number; kind: ErrorClass; names: RegExp; setup: () => (value: unknown) => unknown }

const numeric: NumericArgument[] = [
  { what: 'formatMessageRing: capacity', valid: 256, kind: QemuError, names: /capacity/, setup: () => (v) => formatMessageRing(ctx, REGION, v as number) },
  { what: 'formatMessageRing: at', valid: 64, kind: QemuError, names: /\(at\)|at .*do not fit/, setup: () => (v) => formatMessageRing(ctx, REGION, 256, v as number) },
  { what: 'formatMessageRing: region.offset', valid: REGION.offset, kind: QemuError, names: /region/, setup: () => (v) => formatMessageRing(ctx, { offset: v as number, size: 4096 }, 256) },
  { what: 'formatMessageRing: region.size', valid: 4096, kind: QemuError, names: /region/, setup: () => (v) => formatMessageRing(ctx, { offset: REGION.offset, size: v as number }, 256) },
  { what: 'messageRingBytes: capacity', valid: 256, kind: QemuError, names: /capacity/, setup: () => (v) => messageRingBytes(v as number) },
  ...(['producer', 'consumer'] as const).flatMap((side): NumericArgument[] => {
    const Side = side === 'producer' ? MessageProducer : MessageConsumer;
    const setup = (options: (v: unknown) => object) => () => { formatMessageRing(ctx, REGION, 256); return (v: unknown) => new Side(ctx, { region: REGION, state: STATE_A, ...options(v) }); };
    return [
      { what: `Message ${side}: at`, valid: 0, kind: QemuError, names: /\(at\)|at .*(outside|do not fit)/, setup: setup((at) => ({ at })) },
      { what: `Message ${side}: state`, valid: STATE_A, kind: QemuError, names: /state block/, setup: setup((state) => ({ state })) },
      { what: `Message ${side}: region.offset`, valid: REGION.offset, kind: QemuError, names: /region/, setup: setup((offset) => ({ region: { offset, size: 4096 } })) },
      { what: `Message ${side}: region.size`, valid: 4096, kind: QemuError, names: /region/, setup: setup((size) => ({ region: { offset: REGION.offset, size } })) },
    ];
  }),
  { what: 'MessageProducer.reserve: len', valid: 16, kind: AccessError, names: /length/, setup: () => { const { producer } = messageRing(); return (v) => producer.reserve(v as number); } },
  { what: 'MessageProducer.commit: len', valid: 8, kind: AccessError, names: /length/, setup: () => { const { producer } = messageRing(); producer.reserve(16); return (v) => producer.commit(v as number); } },
  ...(['driver', 'device'] as const).flatMap((side): NumericArgument[] => {
    const Side = side === 'driver' ? VirtqueueDriver : VirtqueueDevice;
    const layout = splitLayout(8, 0x100);
    const make = (options: (v: unknown) => object) => () => (v: unknown) => new Side({ ...vqOptions(), state: STATE_A, ...options(v) });
    return [
      { what: `Virtqueue ${side}: size`, valid: 8, kind: QemuError, names: /queue size/, setup: make((size) => ({ size })) },
      { what: `Virtqueue ${side}: state`, valid: STATE_A, kind: QemuError, names: /state block/, setup: make((state) => ({ state })) },
      { what: `Virtqueue ${side}: region.offset`, valid: REGION.offset, kind: QemuError, names: /region/, setup: make((offset) => ({ region: { offset, size: 4096 } })) },
      { what: `Virtqueue ${side}: region.size`, valid: 4096, kind: QemuError, names: /region/, setup: make((size) => ({ region: { offset: REGION.offset, size } })) },
      ...(['desc', 'avail', 'used'] as const).map((part) => ({
        what: `Virtqueue ${side}: layout.${part}`, valid: layout[part], kind: QemuError, names: new RegExp(`layout\\.${part}`), setup: make((v) => ({ layout: { ...layout, [part]: v } })),
      })),
    ];
  }),
  { what: 'splitLayout: size', valid: 8, kind: QemuError, names: /queue size/, setup: () => (v) => splitLayout(v as number) },
  { what: 'splitLayout: at', valid: 4096, kind: QemuError, names: /\(at\)/, setup: () => (v) => splitLayout(8, v as number) },
  { what: 'VirtqueueDriver.stateBytes: size', valid: 8, kind: QemuError, names: /queue size/, setup: () => (v) => VirtqueueDriver.stateBytes(v as number) },
  // the second buffer is the bad one: the first is not written anywhere either
  { what: 'VirtqueueDriver.add: addr', valid: DATA, kind: AccessError, names: /addr/, setup: () => { const { driver } = vqPair(); return (v) => driver.add([{ addr: DATA, len: 16 }], [{ addr: v as number, len: 16 }]); } },
  { what: 'VirtqueueDriver.add: len', valid: 16, kind: AccessError, names: /len/, setup: () => { const { driver } = vqPair(); return (v) => driver.add([{ addr: DATA, len: 16 }, { addr: DATA, len: v as number }]); } },
  { what: 'VirtqueueDriver.add: indirect', valid: 0x8000, kind: AccessError, names: /indirect/, setup: () => { const { driver } = vqPair(); return (v) => driver.add([{ addr: DATA, len: 16 }], [], { indirect: v as number }); } },
  { what: 'Virtqueue view: addr', valid: DATA, kind: AccessError, names: /addr/, setup: () => { const { device } = vqPair(); return (v) => device.view({ addr: v as number, len: 16 }); } },
  { what: 'Virtqueue view: len', valid: 16, kind: AccessError, names: /len/, setup: () => { const { driver } = vqPair(); return (v) => driver.view({ addr: DATA, len: v as number }); } },
  { what: 'VirtqueueDevice.push: head', valid: 0, kind: AccessError, names: /head/, setup: () => { const { device } = vqPair(); return (v) => device.push(v as number, 0); } },
  { what: 'VirtqueueDevice.push: len', valid: 0, kind: AccessError, names: /len/, setup: () => { const { device } = vqPair(); return (v) => device.push(0, v as number); } },
];

describe('every numeric argument: any non-integer, non-number or out-of-range value is refused and changes nothing', () => {
  for (const arg of numeric) {
    test(arg.what, () => {
      const call = arg.setup();
      everyBadNumber(arg.valid, (value) => refused(() => call(value), arg.kind, arg.names));
      call(arg.valid);
    });
  }
});

describe('message ring: counts, timeouts, buffers and options', () => {
  test('popBatch(max): a count (an integer >= 0, or Infinity) or refused before anything is peeked', () => {
    const { producer, consumer } = messageRing();
    producer.push(Uint8Array.of(1));
    producer.push(Uint8Array.of(2));
    const wrong: unknown[] = [NaN, -Infinity, 1.5, -1, '1', 1n, null, {}, [1], Symbol('m'), true, Object(1)];
    const badCount = fc.oneof(fc.double().filter((x) => !Number.isInteger(x) && x !== Infinity), fc.integer({ max: -1 }), fc.constantFrom(...wrong));
    fc.assert(fc.property(badCount, (max) => refused(() => consumer.popBatch(max as number), AccessError, /max/)), { numRuns: 30, examples: wrong.map((v) => [v]) });
    expect(consumer.popBatch(1)).toEqual([Uint8Array.of(1)]);
    expect(consumer.popBatch()).toEqual([Uint8Array.of(2)]);
  });

  const badTimeouts: unknown[] = [NaN, '5', 5n, null, {}, [5], Symbol('t'), true, Object(5)];
  test('timeoutMs: a number (negative: for ever) or refused before anything is pushed, popped or announced', async () => {
    const { producer, consumer, pbell, cbell } = messageRing(64);
    // wait / waitAsync on an empty ring would announce a sleep; popWait on a full one would pop
    for (const timeoutMs of badTimeouts) {
      refused(() => consumer.wait({ timeoutMs: timeoutMs as number }), AccessError, /timeoutMs/);
      await refusedAsync(() => consumer.waitAsync({ timeoutMs: timeoutMs as number }), AccessError, /timeoutMs/);
    }
    expect(cbell.timeouts, 'a NaN timeout never reaches the doorbell (Atomics.wait would take it as for ever)').toEqual([]);
    producer.push(new Uint8Array(8));
    for (const timeoutMs of badTimeouts) {
      refused(() => consumer.popWait({ timeoutMs: timeoutMs as number }), AccessError, /timeoutMs/);
      await refusedAsync(() => consumer.popAsync({ timeoutMs: timeoutMs as number }), AccessError, /timeoutMs/);
      // room for this one: a bad timeout must not let it through
      refused(() => producer.pushWait(new Uint8Array(8), { timeoutMs: timeoutMs as number }), AccessError, /timeoutMs/);
      await refusedAsync(() => producer.pushAsync(new Uint8Array(8), { timeoutMs: timeoutMs as number }), AccessError, /timeoutMs/);
    }
    expect(pbell.timeouts).toEqual([]);
    for (const options of notAnObject) {
      refused(() => consumer.wait(options as object), AccessError, /options/);
      refused(() => consumer.popWait(options as object), AccessError, /options/);
      refused(() => producer.pushWait(new Uint8Array(8), options as object), AccessError, /options/);
    }
    // valid ones are taken as before
    expect(consumer.popWait({ timeoutMs: 0 })).toEqual(new Uint8Array(8));
    expect(consumer.wait({ timeoutMs: -1 })).toBe(false); // for ever, but the recording doorbell says stopped
    expect(await consumer.popAsync({ timeoutMs: Infinity })).toBeNull();
  });

  const notBytes: unknown[] = [undefined, null, 'abc', [1, 2, 3], { length: 3 }, 5, Symbol('b'), new Uint16Array(2), new ArrayBuffer(4), new DataView(new ArrayBuffer(4))];
  test('messages: a Uint8Array or refused, and a batch with one bad message writes none of it', () => {
    const { producer, consumer } = messageRing();
    for (const message of notBytes) {
      refused(() => producer.write(message as Uint8Array), AccessError, /message/);
      refused(() => producer.push(message as Uint8Array), AccessError, /message/);
      refused(() => producer.pushBatch([Uint8Array.of(1), message as Uint8Array]), AccessError, /message/);
    }
    refused(() => producer.pushBatch([Uint8Array.of(1), new Uint8Array(300)]), AccessError, /length/);
    for (const messages of notAnObject) refused(() => producer.pushBatch(messages as Uint8Array[]), AccessError, /messages/);
    expect(producer.pushBatch([Uint8Array.of(1), Uint8Array.of(2)])).toBe(2);
    expect(consumer.popBatch()).toEqual([Uint8Array.of(1), Uint8Array.of(2)]);
  });

  test('read(into): a Uint8Array or refused, and the message stays in the ring', () => {
    const { producer, consumer } = messageRing();
    producer.push(Uint8Array.of(7, 8));
    for (const into of notBytes) refused(() => consumer.read(into as Uint8Array), AccessError, /into/);
    expect(consumer.pop()).toEqual(Uint8Array.of(7, 8));
  });

  test('consume() without a message from peek() is refused (it would move the tail past the head)', () => {
    const { producer, consumer } = messageRing();
    refused(() => consumer.consume(), AccessError, /consume\(\) without/);
    producer.push(Uint8Array.of(1));
    expect(consumer.peek()).toEqual(Uint8Array.of(1));
    consumer.consume();
    refused(() => consumer.consume(), AccessError, /consume\(\) without/);
    expect(consumer.peek()).toBeNull();
    refused(() => consumer.consume(), AccessError, /consume\(\) without/);
    producer.push(Uint8Array.of(2));
    consumer.peek();
    expect(consumer.read(new Uint8Array(8))).toBe(1); // read takes the peeked message itself
    refused(() => consumer.consume(), AccessError, /consume\(\) without/);
    consumer.release();
    expect(producer.push(Uint8Array.of(3))).toBe(true);
    expect(consumer.pop()).toEqual(Uint8Array.of(3));
    expect(producer.broken || consumer.broken).toBe(false);
  });

  test('the context, the region, the options, the doorbell and the name: the project\'s error, not a TypeError', () => {
    formatMessageRing(ctx, REGION, 256);
    for (const bad of [...notAnObject, {}, { core: ctx.core }, { buffer: ctx.buffer }]) {
      refused(() => formatMessageRing(bad as typeof ctx, REGION, 256), QemuError, /context/);
      refused(() => new MessageProducer(bad as typeof ctx, { region: REGION, state: STATE_A }), QemuError, /context/);
    }
    for (const bad of notAnObject) {
      refused(() => formatMessageRing(ctx, bad as typeof REGION, 256), QemuError, /region/);
      refused(() => new MessageConsumer(ctx, { region: bad as typeof REGION, state: STATE_B }), QemuError, /region/);
      refused(() => new MessageConsumer(ctx, bad as { region: typeof REGION; state: number }), QemuError, /options/);
    }
    for (const doorbell of [null, 5, {}, { ring() {} }]) {
      refused(() => new MessageProducer(ctx, { region: REGION, state: STATE_A, doorbell: doorbell as unknown as Doorbell }), QemuError, /doorbell/);
    }
    refused(() => new MessageProducer(ctx, { region: REGION, state: STATE_A, name: Symbol('n') as unknown as string }), QemuError, /name/);
    refused(() => new MessageProducer(ctx, { region: REGION, state: STATE_A + 2 }), QemuError, /state block .*4-byte aligned/);
  });
});

describe('virtqueue: buffers, layouts and options', () => {
  test('buffers and chains: objects in arrays or refused, naming what is wrong', () => {
    const { driver, device } = vqPair();
    for (const bad of notAnObject) {
      refused(() => driver.add(bad as []), AccessError, /add's out/);
      refused(() => driver.add([{ addr: DATA, len: 8 }], bad as []), AccessError, /add's into/);
      refused(() => driver.add([{ addr: DATA, len: 8 }, bad as { addr: number; len: number }]), AccessError, /buffer/);
      refused(() => driver.add([{ addr: DATA, len: 8 }], [], bad as {}), AccessError, /options/);
      refused(() => device.view(bad as { addr: number; len: number }), AccessError, /buffer/);
    }
    expect(driver.numFree).toBe(8);
  });

  test('a chain whose writable buffers add up past 2^32 - 1 is refused before anything is written', async () => {
    // 17 buffers of 255 MiB each: the region must hold one, the queue 17 buffers
    const memory = new WebAssembly.Memory({ initial: 4200, maximum: 4200, shared: true });
    const big = await ringMemory(memory);
    const region = { offset: REGION.offset, size: 2 ** 28 };
    const driver = new VirtqueueDriver({ ...big, region, size: 32, state: STATE_A });
    const into = Array.from({ length: 17 }, () => ({ addr: 0x100000, len: 2 ** 28 - 0x100000 }));
    expect(17 * into[0].len).toBeGreaterThan(0xffffffff);
    refused(() => driver.add([], into), AccessError, /writable/, big.bytes);
    expect(driver.add([], into.slice(1))).toBe(0);
  }, 60_000);

  test('eventIdx is a boolean, the name a string, the options an object', () => {
    refused(() => new VirtqueueDevice({ ...vqOptions(), state: STATE_B, eventIdx: 'false' as unknown as boolean }), QemuError, /eventIdx/);
    refused(() => new VirtqueueDevice({ ...vqOptions(), state: STATE_B, name: 7 as unknown as string }), QemuError, /name/);
    for (const bad of notAnObject) {
      refused(() => new VirtqueueDriver(bad as VirtqueueDriver['context'] & { region: typeof REGION; size: number; state: number }), QemuError, /options/);
      refused(() => new VirtqueueDriver({ ...vqOptions(), state: STATE_A, layout: bad as { desc: number; avail: number; used: number } }), QemuError, /layout/);
    }
    refused(() => new VirtqueueDriver({ region: REGION, size: 8, state: STATE_A } as unknown as ReturnType<typeof vqOptions> & { state: number }), QemuError, /context/);
  });

  test('splitLayout: at is 16-aligned, and a layout near 2^32 does not go negative', () => {
    refused(() => splitLayout(8, 8), QemuError, /\(at\) .*16/);
    const high = splitLayout(8, 2 ** 31);
    expect(high).toEqual({ desc: 2 ** 31, avail: 2 ** 31 + 128, used: 2 ** 31 + 152, bytes: 152 + 6 + 64 });
  });
});

describe('guest rings: state sizes, peers, vectors, modes and sides', () => {
  let host: Host;
  let vm: Guest;
  let rings: ReturnType<typeof guestRings>;
  let hostBytes: Uint8Array;
  beforeAll(async () => {
    host = await Host.create({ memory: '16M' });
    host.addObject('memory-backend-ram,id=m,size=1M');
    // The checks come before the VM is used, so its device is enough: no worker needed.
    vm = { device: host.realize('ivshmem-plain,memdev=m'), id: 0 } as unknown as Guest;
    rings = guestRings(vm);
    hostBytes = new Uint8Array(machineOf(host).memory.buffer);
    rings.format(256);
  });
  afterAll(() => host.shutdown());

  test('state(bytes): a byte count or refused, and a refused one takes nothing (no overlap later)', () => {
    const first = rings.state(16);
    everyBadNumber(16, (bytes) => refused(() => rings.state(bytes as number), QemuError, /bytes/, hostBytes));
    expect(rings.state(16), 'the next state follows the first').toBe(first + 16);
  });

  test('producer / consumer: peer, vector and mode are checked when the ring is made, not at its first doorbell', () => {
    for (const make of [(o: GuestRingOptions) => rings.producer(o), (o: GuestRingOptions) => rings.consumer(o)]) {
      everyBadNumber(1, (peer) => refused(() => make({ peer: peer as number }), QemuError, /peer/, hostBytes));
      everyBadNumber(0, (vector) => refused(() => make({ peer: 1, vector: vector as number }), QemuError, /vector/, hostBytes));
      refused(() => make({ peer: 0x10000 }), QemuError, /peer/, hostBytes);
      refused(() => make({ peer: 1, vector: 256 }), QemuError, /vector/, hostBytes);
      refused(() => make({ mode: 'sleep' as 'spin' }), QemuError, /mode/, hostBytes);
      refused(() => make({ at: Symbol('a') as unknown as number }), QemuError, /\(at\)/, hostBytes);
      for (const bad of notAnObject) refused(() => make(bad as {}), QemuError, /options/, hostBytes);
    }
    refused(() => vmDoorbell(vm, 1.5), QemuError, /peer/, hostBytes);
    refused(() => vmDoorbell(vm, 1, 0, 'sleep' as 'spin'), QemuError, /mode/, hostBytes);
    const before = rings.state(16);
    expect(rings.producer({ peer: 1, vector: 0, mode: 'block' }).maxMessage).toBe(248);
    expect(rings.state(16), 'a producer took its 64 bytes').toBe(before + 16 + 64);
  });

  test('vmDoorbell takes every vector its model\'s Doorbell decodes: 8 bits on QEMU\'s ivshmem, 16 on ivshmem-flat', () => {
    host.addServer({ id: 'flat-srv', size: '4M', vectors: 1 });
    const rung: [number, number][] = [];
    const flat = { device: host.realize('ivshmem-flat,chardev=flat-srv'), id: 0, ring: (peer: number, vector: number) => rung.push([peer, vector]) } as unknown as Guest;
    vmDoorbell(flat, 1, 300).ring(new Int32Array(1), 0);
    expect(rung, 'vector 300 rung as given').toEqual([[1, 300]]);
    refused(() => vmDoorbell(flat, 1, 0x10000), QemuError, /vector/, hostBytes);
    refused(() => vmDoorbell(vm, 1, 256), QemuError, /vector/, hostBytes);
    expect(vmDoorbell(vm, 1, 255), 'the last vector QEMU\'s ivshmem decodes').toBeTruthy();
  });

  test('virtqueue(side, options): side is \'driver\' or \'device\' (not anything else made a device)', () => {
    refused(() => rings.virtqueue('drvier' as 'driver', { size: 4 }), QemuError, /side/, hostBytes);
    refused(() => rings.virtqueue('device', { size: Symbol('s') as unknown as number }), QemuError, /queue size/, hostBytes);
    for (const bad of notAnObject) refused(() => rings.virtqueue('driver', bad as { size: number }), QemuError, /options/, hostBytes);
    expect(rings.virtqueue('driver', { size: 4 })).toBeInstanceOf(VirtqueueDriver);
    expect(rings.virtqueue('device', { size: 4 })).toBeInstanceOf(VirtqueueDevice);
  });
});
