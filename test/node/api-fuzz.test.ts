// Fuzzing the public API itself: random calls with random argument types, on live handles and on
// stale ones (an unplugged device, a BAR kept from it, a terminated VM). Every call either works or
// throws the project's own error (QemuError or AccessError) having changed nothing: the whole
// shared memory and everything the host, the server and the client show are compared before and
// after each failing call. The seed is printed (SEED=n replays a run).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AccessError, Host, QemuError, driver, type Device } from '../../src/index.ts';
import { seedFor } from './seed.ts';
import { machineOf } from '../../src/host.ts';

const program = (name: string) => new URL(`../programs/${name}.ts`, import.meta.url).href;

// Anything a caller could pass, valid or not: numbers near the interesting ranges, strings that
// are almost option strings, and every other type JavaScript has.
const anything: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -2, max: 300 }),
  fc.constantFrom(0, 1, 2, 4, 8, 0x0c, 0x10, 0x40, 70000, 0x7fffffff, -0, NaN, Infinity, 1.5),
  fc.double(),
  fc.bigInt({ min: -1n, max: 1n << 65n }),
  fc.constantFrom('', '0', 'srv', 'm', 'dev', 'ivshmem-doorbell,chardev=srv', 'ivshmem-plain,memdev=m', 'ivshmem-doorbell,chardev=srv,vectors=300',
    'memory-backend-ram,id=m2,size=1M', 'int 0 0', 'dump', 'int all', 'help', 'pcie-root-port,id=rp'),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(undefined, null, true, false, Symbol('s'), Object.create(null), {}, [], [1, 2], () => 1, new Uint8Array(8), new URL('file:///nowhere.js')),
  fc.record({ id: fc.constantFrom('x', 'srv', 'y'), device: fc.constantFrom('ivshmem-plain,memdev=zz', 7), socket: fc.constantFrom('/tmp/y', 9) }, { requiredKeys: [] }),
);

describe('the public API under random calls', () => {
  test('every call works or throws the project\'s error with nothing changed', async () => {
    const host = await Host.create({ memory: '4M' });
    const server = host.addServer({ id: 'srv', size: '256K', vectors: 2 });
    host.addObject('memory-backend-ram,id=m,size=64K');
    const plain = host.realize('ivshmem-plain,memdev=m,id=p');
    const live = host.realize('ivshmem-doorbell,chardev=srv,vectors=2,id=live');
    const stale = host.realize('ivshmem-doorbell,chardev=srv,vectors=2,id=stale');
    driver.bringUpDoorbell(live);
    driver.enableDevice(plain);
    const staleBar = stale.bar(0);
    stale.unrealize();
    const client = host.connectClient('srv');
    const ended = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('idle'), arg: { timeoutMs: 1 } });
    await ended.terminate();
    const devices: Device[] = [plain, live, stale];

    const state = () => JSON.stringify({
      devices: host.devices.map((d) => d.internals.block),
      servers: [...machineOf(host).servers.keys()],
      objects: [...machineOf(host).objects.keys()],
      files: [...machineOf(host).files.keys()],
      ids: [...machineOf(host).deviceIds],
      peers: server.peerIds,
      next: server.nextId(),
      log: server.log.length + server.logDropped,
      client: [client.output.length, [...client.peers.keys()], client.notifications.length],
    });

    type Call = { name: string; run: (args: unknown[]) => unknown };
    const on = (d: number) => devices[d];
    const calls: Call[] = [
      { name: 'host.realize', run: ([a]) => host.realize(a as string) },
      { name: 'host.addObject', run: ([a]) => host.addObject(a as string) },
      { name: 'host.deleteObject', run: ([a]) => host.deleteObject(a as string) },
      { name: 'host.addServer', run: ([a]) => host.addServer(a as never) },
      { name: 'host.connectClient', run: ([a]) => host.connectClient(a as string).close() },
      { name: 'host.addChardev', run: ([a]) => host.addChardev(a as never) },
      { name: 'host.unplug', run: ([a]) => host.unplug(a as string) },
      { name: 'host.spawn', run: ([a]) => host.spawn(a as never).then((vm) => vm.terminate()) },
      { name: 'device.bar', run: ([d, a]) => on(Number(d) % 3).bar(a as number) },
      { name: 'device.config.read', run: ([d, a, b]) => on(Number(d) % 3).config.read(a as number, b as 4) },
      { name: 'device.config.write', run: ([d, a, b, c]) => on(Number(d) % 3).config.write(a as number, b as number, c as number) },
      { name: 'device.bar(n).read', run: ([d, n, a, b]) => on(Number(d) % 3).bar(n as number).read(a as number, b as 4) },
      { name: 'device.bar(n).write', run: ([d, n, a, b, c]) => on(Number(d) % 3).bar(n as number).write(a as number, b as number, c as number) },
      { name: 'staleBar.read', run: ([a, b]) => staleBar.read(a as number, b as 4) },
      { name: 'staleBar.write', run: ([a, b, c]) => staleBar.write(a as number, b as number, c as number) },
      { name: 'device.interrupts.delivered', run: ([d, a]) => on(Number(d) % 3).interrupts.delivered(a as number) },
      { name: 'device.interrupts.pending', run: ([d, a]) => on(Number(d) % 3).interrupts.pending(a as number) },
      { name: 'device.interrupts.masked', run: ([d, a]) => on(Number(d) % 3).interrupts.masked(a as number) },
      { name: 'device.interrupts.take', run: ([d]) => on(Number(d) % 3).interrupts.take() },
      { name: 'device.ivPosition', run: ([d]) => on(Number(d) % 3).ivPosition },
      { name: 'device.peers', run: ([d]) => on(Number(d) % 3).peers() },
      { name: 'device.load', run: ([d, a]) => on(Number(d) % 3).load(a as Uint8Array) },
      { name: 'device.save+load', run: ([d]) => { const dev = on(Number(d) % 3); dev.load(dev.save()); } },
      { name: 'driver.ring', run: ([d, a, b]) => driver.ring(on(Number(d) % 3), a as number, b as number) },
      { name: 'driver.maskVector', run: ([d, a]) => driver.maskVector(on(Number(d) % 3), a as number) },
      { name: 'driver.unmaskVector', run: ([d, a]) => driver.unmaskVector(on(Number(d) % 3), a as number) },
      { name: 'client.command', run: ([a]) => client.command(a as string) },
      { name: 'client.notify', run: ([a, b]) => client.notify(a as number, b as number) },
      { name: 'server.connect', run: ([a]) => server.connect(a as never) },
      { name: 'server.eventfdsOf', run: ([a]) => server.eventfdsOf(a as number) },
      { name: 'vm.stop (ended)', run: () => ended.stop() },
      { name: 'vm.counters (ended)', run: () => ended.counters },
      { name: 'vm.run (ended)', run: ([a]) => ended.run(a as string) },
      { name: 'vm.inspect (ended)', run: () => ended.inspect() },
    ];
    const call = fc.record({
      which: fc.integer({ min: 0, max: calls.length - 1 }),
      device: fc.integer({ min: 0, max: 2 }),
      args: fc.array(anything, { minLength: 4, maxLength: 4 }),
    });

    const seed = seedFor('api-fuzz');
    let failures = 0;
    await fc.assert(fc.asyncProperty(call, async ({ which, device, args }) => {
      const { name, run } = calls[which];
      const memory = machineOf(host).bytes.slice();
      const before = state();
      let error: unknown;
      try {
        await run([device, ...args]);
      } catch (e) {
        error = e;
      }
      if (error === undefined) return;
      failures++;
      const what = `${name}(${args.map((a) => typeof a).join(', ')}) threw ${(error as Error)?.name}: ${(error as Error)?.message}`;
      expect(error instanceof QemuError || error instanceof AccessError, what).toBe(true);
      expect(state(), `${what}, and changed the host's state`).toBe(before);
      const after = machineOf(host).bytes;
      if (Buffer.compare(Buffer.from(memory.buffer), Buffer.from(after.buffer)) !== 0) {
        expect.fail(`${what}, and changed the shared memory at ${memory.findIndex((byte, i) => byte !== after[i])}`);
      }
    }), { numRuns: 800, seed });
    expect(failures, 'most random calls are refused').toBeGreaterThan(100);
    await host.shutdown();
  }, 120_000);
});
