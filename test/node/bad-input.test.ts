// Bad input from every side, beyond test/node/api-fuzz.test.ts (random calls) and
// test/node/properties.test.ts (random handshakes): option strings mutated from valid ones,
// migration streams mutated from a valid one, and a server that misbehaves after setup. Every
// input gives a working device or the project's error; a refused one changes nothing at all, and
// the devices beside it are untouched.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Host, QemuError, driver, type MessageSink, type ServerMessage } from '../../src/index.ts';
import { seedFor } from './seed.ts';
import { machineOf } from '../../src/host.ts';

const VALID = [
  'ivshmem-plain,memdev=m',
  'ivshmem-plain,memdev=m,master=on,id=p1',
  'ivshmem-doorbell,chardev=srv,vectors=2',
  'ivshmem-doorbell,chardev=srv,vectors=4,ioeventfd=off,master=off,id=d1',
  'ivshmem,chardev=srv,msi=off,size=64K,vectors=2',
  'ivshmem,shm=legacy,size=64K,use64=0',
  'ivshmem-doorbell,chardev=srv,vectors=2,x-poll=on,x-peers=on,x-name=abc',
  '-ivshmem 1,unix:srv',
  'ivshmem-flat,chardev=srv,shmem-size=65536,x-bus-address-iomem=0x40000000,id=f1',
  'ivshmem-v2,chardev=srv2',
  'ivshmem-v2,chardev=srv2,master=off,ioeventfd=off,id=v1',
];
const ALPHABET = [',', '=', ':', ' ', '0', '1', '9', 'x', 'K', 'M', '-', '.', 'on', 'off', 'vectors', 'chardev', 'memdev', 'id', 'srv', 'm', ',,', '\u00e9', '\0'];

/** A valid option string with a few characters inserted, deleted, replaced or repeated. */
const mutated = fc.tuple(fc.constantFrom(...VALID), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(...ALPHABET)), { minLength: 1, maxLength: 4 }))
  .map(([text, edits]) => edits.reduce((s, [at, kind, piece]) => {
    const i = at % (s.length + 1);
    if (kind === 0) return s.slice(0, i) + piece + s.slice(i);
    if (kind === 1) return s.slice(0, i) + s.slice(i + 1);
    if (kind === 2) return s.slice(0, i) + piece + s.slice(i + piece.length);
    return s + s.slice(i);
  }, text));

function hostState(host: Host): string {
  return JSON.stringify({ r: host.resources(), devices: host.devices.map((d) => d.internals.block), ids: [...machineOf(host).deviceIds], objects: [...machineOf(host).objects.keys()] });
}

describe('bad input', () => {
  test('mutated option strings: a working device or a QemuError that changed nothing', async () => {
    const host = await Host.create({ memory: '4M' });
    host.addServer({ id: 'srv', size: '64K', vectors: 2 });
    host.addServer2({ id: 'srv2', socket: '/tmp/srv2', shm: 'srv2', size: '64K', outputSectionSize: '4K', maxPeers: 4, vectors: 2 });
    host.addObject('memory-backend-ram,id=m,size=64K,share=on');
    host.addObject('memory-backend-file,id=legacy,size=64K,share=on,mem-path=/dev/shm/legacy');
    const witness = host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
    driver.bringUpDoorbell(witness);
    const seed = seedFor('bad input: option strings');
    let made = 0;
    let refused = 0;
    await fc.assert(fc.asyncProperty(mutated, async (text) => {
      const before = hostState(host);
      const memory = machineOf(host).bytes.slice();
      let device;
      try {
        device = host.realize(text);
      } catch (error) {
        expect(error, `${JSON.stringify(text)} threw ${error}`).toBeInstanceOf(QemuError);
        expect(hostState(host), `${JSON.stringify(text)} was refused but changed the host`).toBe(before);
        expect(Buffer.compare(Buffer.from(memory), Buffer.from(machineOf(host).bytes)), `${JSON.stringify(text)} was refused but changed the memory`).toBe(0);
        refused++;
        return;
      }
      made++;
      if ('ready' in device) await device.ready.catch(() => {});
      // a PCI function answers in its config space (ivshmem's 1af4, ivshmem-v2's 110a), a sysbus device (ivshmem-flat) in its IVPOSITION
      if ('config' in device) {
        if (device.layout.transport === 'pci') expect([0x1af4, 0x110a], `${JSON.stringify(text)} made a device that does not answer`).toContain(device.config.read(0, 2));
        else expect(device.bar(0).read(8, 4), `${JSON.stringify(text)} made a device that does not answer`).toBe(device.ivPosition);
      }
      device.unrealize();
      const { eventfds, boundEventfds, devices } = host.resources();
      expect({ eventfds, boundEventfds, devices }, `${JSON.stringify(text)}: unplugging gave back everything`).toEqual((({ eventfds, boundEventfds, devices }) => ({ eventfds, boundEventfds, devices }))(JSON.parse(before).r));
    }), { numRuns: 300, seed });
    console.log(`option strings: ${made} devices, ${refused} refused`);
    expect(witness.peers().map((p) => p.id)).toEqual([witness.ivPosition]);
  }, 60_000);

  test('mutated migration streams: loaded, or a QemuError that changed nothing', async () => {
    const host = await Host.create({ memory: '4M' });
    host.addServer({ id: 'srv', size: '64K', vectors: 2 });
    host.addObject('memory-backend-ram,id=a,size=64K,share=on');
    host.addObject('memory-backend-ram,id=b,size=64K,share=on');
    const source = host.realize('ivshmem-plain,memdev=a,master=on');
    const target = host.realize('ivshmem-plain,memdev=b,master=on');
    const witness = host.realize('ivshmem-doorbell,chardev=srv,vectors=2,master=on');
    driver.bringUpDoorbell(witness);
    driver.enableDevice(source);
    source.bar(2).write(16, 4, 0xfeedface);
    source.bar(0).write(0, 4, 0x5a5a);
    const streams = [source.save(), witness.save()];
    const seed = seedFor('bad input: migration streams');
    let loaded = 0;
    let refused = 0;
    const mutation = fc.record({
      stream: fc.nat({ max: 1 }),
      flips: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined, freq: 5 }),
      extra: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 8 }) }),
    });
    await fc.assert(fc.property(mutation, ({ stream, flips, cut, extra }) => {
      const original = streams[stream];
      let state = new Uint8Array(original.length + extra);
      state.set(original);
      for (const [at, value] of flips) state[at % state.length] = value;
      if (cut !== undefined) state = state.slice(0, cut % (state.length + 1));
      const memory = machineOf(host).bytes.slice();
      const into = stream === 0 ? target : witness;
      try {
        into.load(state);
      } catch (error) {
        expect(error).toBeInstanceOf(QemuError);
        expect(Buffer.compare(Buffer.from(memory), Buffer.from(machineOf(host).bytes)), 'a refused stream changed the memory').toBe(0);
        refused++;
        return;
      }
      loaded++;
      // what was accepted is what the device now holds, all of it: saving gives the stream back
      // (bytes 28..31 of the header are reserved: not state, saved as 0)
      const back = into.save();
      const differs = back.findIndex((byte, i) => byte !== (i >= 28 && i < 32 ? 0 : state[i]));
      expect(differs, `an accepted stream was loaded only in part (byte ${differs}: ${state[differs]} -> ${back[differs]})`).toBe(-1);
      // and the device answers as a device and resets to its reset state
      expect(into.config.read(0, 4)).toBe(0x11101af4);
      into.reset();
      expect(into.config.read(4, 2)).toBe(0);
      driver.enableDevice(into);
      expect(into.bar(0).read(0, 4)).toBe(0);
      if (into === witness) driver.bringUpDoorbell(witness);
    }), { numRuns: 400, seed });
    console.log(`migration streams: ${loaded} loaded, ${refused} refused`);
    expect(refused).toBeGreaterThan(0);
    expect(source.bar(2).read(16, 4)).toBe(0xfeedface);
  }, 60_000);

  test('a server that misbehaves after setup: errors are reported, the device keeps working, nothing leaks', async () => {
    const host = await Host.create({ memory: '4M' });
    const server = host.addServer({ id: 'srv', size: '64K', vectors: 2 });
    const spareSlots = [machineOf(host).allocateEventfd(), machineOf(host).allocateEventfd()];
    const seed = seedFor('bad input: server after setup');
    // a chardev that forwards the real server's handshake, then lets the test speak
    let sink: MessageSink | undefined;
    host.addChardev({
      id: 'evil', socket: '/tmp/evil', isRunning: true, nextId: () => server.nextId(),
      connect(s: MessageSink) { sink = s; return server.connect(s); },
    });
    const honest = host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
    driver.bringUpDoorbell(honest);
    const baseline = host.resources();
    const message: fc.Arbitrary<ServerMessage> = fc.record({
      value: fc.oneof(fc.bigInt({ min: -3n, max: 8n }), fc.constantFrom(65535n, 65536n, -(1n << 63n))),
      handle: fc.option(fc.oneof(
        fc.record({ kind: fc.constant('eventfd' as const), slot: fc.oneof(fc.constantFrom(...spareSlots), fc.integer({ min: -1, max: 5000 })) }),
        fc.record({ kind: fc.constant('memory' as const), offset: fc.constantFrom(0, 4096, server.file.region.offset), size: fc.constantFrom(65536, 4096, 0), path: fc.constant('x') }),
      ), { nil: undefined }),
    });
    const junk = fc.oneof(message, fc.constantFrom<unknown>(null, {}, { value: 1 }, { value: 2n, handle: { kind: 'pipe' } }, 7));
    await fc.assert(fc.property(fc.array(junk, { maxLength: 16 }), (script) => {
      const dev = host.realize('ivshmem-doorbell,chardev=evil,vectors=2');
      driver.bringUpDoorbell(dev);
      for (const m of script) sink!.receive(m as ServerMessage); // must never throw
      // its own vectors still work: it rings itself
      const delivered = dev.interrupts.delivered(1);
      driver.ring(dev, dev.ivPosition, 1);
      expect(dev.interrupts.delivered(1), 'the device rings itself after the junk').toBe(delivered + 1);
      expect(dev.internals.client!.errors.every((e) => typeof e === 'string')).toBe(true);
      dev.unrealize();
      expect(honest.peers(), 'the other device on the server, once the junk device has left').toEqual([{ id: honest.ivPosition, vectors: 2 }]);
      const now = host.resources();
      expect({ eventfds: now.eventfds, bound: now.boundEventfds, devices: now.devices }, 'everything the junk made the device hold was given back')
        .toEqual({ eventfds: baseline.eventfds, bound: baseline.boundEventfds, devices: baseline.devices });
    }), { numRuns: 200, seed });
  }, 60_000);

  test('junk guest calls inside a VM: each works or throws the project\'s error, and the VM still rings', async () => {
    const host = await Host.create({ memory: '8M' });
    host.addServer({ id: 'srv', size: '64K', vectors: 2 });
    const anchor = host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
    driver.bringUpDoorbell(anchor);
    const seed = seedFor('bad input: guest calls');
    const value = fc.oneof(
      fc.integer({ min: -2, max: 300 }), fc.constantFrom(0, 1, 2, 4, 8, 12, 0x40, 0x42, 4096, 70000, NaN, Infinity, -0, 1.5, 2 ** 40),
      fc.bigInt({ min: -1n, max: 1n << 65n }), fc.constantFrom(undefined, null, true, 'block', 'poll', 'spin', 'x', '', [], {}, [1], { mode: 'poll' }),
    );
    const calls = fc.array(fc.record({ call: fc.nat({ max: 30 }), args: fc.array(value, { minLength: 4, maxLength: 4 }) }), { minLength: 20, maxLength: 60 });
    const program = new URL('../programs/junk.ts', import.meta.url).href;
    const CALLS = 15; // how many calls test/programs/junk.ts knows
    await fc.assert(fc.asyncProperty(calls, async (list) => {
      const delivered = anchor.interrupts.delivered(0);
      const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv,vectors=2', program, arg: { calls: list, anchor: anchor.ivPosition } });
      try {
        const outcomes = await vm.result as string[];
        const other = outcomes.map((o, i) => [o, list[i]] as const).filter(([o]) => !['ok', 'QemuError', 'AccessError'].includes(o));
        expect(other, 'calls that threw something else than the project\'s errors').toEqual([]);
        // the junk's own successful rings of the anchor's vector 0 (call 0 is vm.ring), then the last one
        const junkRings = list.filter((c, i) => c.call % CALLS === 0 && outcomes[i] === 'ok' && c.args[0] === anchor.ivPosition && (c.args[1] === 0 || c.args[1] === undefined)).length;
        expect(anchor.interrupts.delivered(0), 'the VM rang the anchor after the junk').toBe(delivered + junkRings + 1);
      } finally {
        await vm.terminate();
      }
    }), { numRuns: 15, seed });
    expect(anchor.peers()).toEqual([{ id: anchor.ivPosition, vectors: 2 }]);
  }, 120_000);
});
