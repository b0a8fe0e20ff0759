// The protocol trace (host.trace): events written by the core itself into per-thread rings in the
// shared memory, and the server's messages written by the host. Expected values come from the
// ivshmem protocol (docs/specs/ivshmem-spec: version, ID, shm, then eventfds in vector order) and
// from QEMU's MSI-X rules (a masked vector's message stays pending until unmasked).
import { describe, expect, test } from 'vitest';
import { Host, driver, layout as L, type TraceEvent } from '../../src/index.ts';
import { doorbellPair, until } from '../cases/helpers.ts';
import { SdmDriver } from '../../src/index.ts';

const program = (name: string) => new URL(`../programs/${name}.ts`, import.meta.url).href;
const brief = (e: TraceEvent) => [e.kind, e.device, e.peer, e.vector];

describe('host.trace', () => {
  test('the server\'s messages, in the order a client receives them, with their meaning', async () => {
    const host = await Host.create({ memory: '8M' });
    host.trace.start();
    const { a, b, idA, idB } = doorbellPair(host, 2);
    b.unrealize();
    const server = host.trace.drain().filter((e) => e.kind === 'server');
    expect(server.map((e) => [e.device, e.text])).toEqual([
      [idA, 'version 0'], [idA, `ID ${idA}`], [idA, 'shm 1M'], [idA, `eventfd ${idA}/0`], [idA, `eventfd ${idA}/1`],
      // ivshmem_server_handle_new_conn: initial info and memory to the newcomer, then the newcomer
      // to the others, the others to the newcomer, the newcomer to itself.
      [idB, 'version 0'], [idB, `ID ${idB}`], [idB, 'shm 1M'],
      [idA, `eventfd ${idB}/0`], [idA, `eventfd ${idB}/1`],
      [idB, `eventfd ${idA}/0`], [idB, `eventfd ${idA}/1`],
      [idB, `eventfd ${idB}/0`], [idB, `eventfd ${idB}/1`],
      [idA, `peer ${idB} gone`],
    ]);
    expect(server.every((e) => e.thread === 0)).toBe(true);
    a.unrealize();
  });

  test('doorbell, pending behind a mask, delivery on unmask, mask, reset: in order, with their fields', async () => {
    const host = await Host.create({ memory: '8M' });
    const { a, b, idA, idB } = doorbellPair(host, 2);
    driver.enableMsix(a);
    driver.enableMsix(b);
    driver.unmaskVector(b, 0);
    host.trace.start();
    expect(host.trace.enabled).toBe(true);
    driver.ring(a, idB, 1);
    driver.ring(a, idB, 0);
    driver.unmaskVector(b, 1);
    driver.maskVector(b, 0);
    b.reset();
    const events = host.trace.drain();
    expect(events.map(brief)).toEqual([
      ['doorbell', idA, idB, 1],
      ['pending', idB, idA, 1],
      ['doorbell', idA, idB, 0],
      ['deliver', idB, idA, 0],
      ['unmask', idB, -1, 1],
      ['deliver', idB, -1, 1],
      ['mask', idB, -1, 0],
      ['reset', idB, -1, -1],
    ]);
    expect(events[0].value).toBe(((idB << 16) | 1) >>> 0);
    for (let i = 1; i < events.length; i++) expect(events[i].time).toBeGreaterThanOrEqual(events[i - 1].time);
    expect(Math.abs(events[0].time - (performance.timeOrigin + performance.now()))).toBeLessThan(60_000);
    expect(host.trace.drain(), 'a drain takes each event once').toEqual([]);
  });

  test('off by default, and after stop(): nothing is recorded', async () => {
    const host = await Host.create({ memory: '8M' });
    const { a, idB } = doorbellPair(host, 1);
    expect(host.trace.enabled).toBe(false);
    driver.ring(a, idB, 0);
    expect(host.trace.drain()).toEqual([]);
    host.trace.start();
    driver.ring(a, idB, 0);
    host.trace.stop();
    driver.ring(a, idB, 0);
    expect(host.trace.drain().filter((e) => e.kind === 'doorbell')).toHaveLength(1);
    expect(host.trace.dropped).toBe(0);
  });

  test('a full ring keeps the oldest events and counts the rest as dropped; drained, it wraps', async () => {
    const host = await Host.create({ memory: '8M' });
    const { a } = doorbellPair(host, 1);
    host.trace.start();
    // Doorbells to an absent peer: one event each, the vector numbering them.
    const ring = (n: number) => driver.ring(a, 999, n & 0xff);
    for (let i = 0; i < L.TRACE_CAPACITY + 10; i++) ring(i);
    const first = host.trace.drain();
    expect(first).toHaveLength(L.TRACE_CAPACITY);
    expect(first.map((e) => e.vector).slice(0, 3)).toEqual([0, 1, 2]);
    expect(first.at(-1)!.vector).toBe((L.TRACE_CAPACITY - 1) & 0xff);
    expect(host.trace.dropped).toBe(10);
    for (let i = 0; i < 300; i++) ring(i + 7);
    const second = host.trace.drain();
    expect(second.map((e) => e.vector)).toEqual(Array.from({ length: 300 }, (_, i) => (i + 7) & 0xff));
    expect(host.trace.dropped).toBe(10);
  });

  test('each VM worker writes its own ring: a ping-pong\'s doorbells and deliveries, merged in time order', async () => {
    const host = await Host.create({ memory: '32M' });
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    host.trace.start();
    const a = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('ping-pong'), arg: { rounds: 100, serve: false, mode: 'block' } });
    const b = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('ping-pong'), arg: { rounds: 100, serve: true, mode: 'block' } });
    await Promise.all([a.result, b.result]);
    expect(new Set([a.thread, b.thread, 0]).size).toBe(3);
    const events = host.trace.drain();
    const of = (thread: number, kind: string) => events.filter((e) => e.thread === thread && e.kind === kind);
    expect(of(a.thread, 'doorbell').map(brief)).toEqual(Array(100).fill(['doorbell', a.id, b.id, 0]));
    expect(of(b.thread, 'doorbell').map(brief)).toEqual(Array(100).fill(['doorbell', b.id, a.id, 0]));
    // The ringer's thread delivers into the destination's device.
    expect(of(a.thread, 'deliver').map(brief)).toEqual(Array(100).fill(['deliver', b.id, a.id, 0]));
    expect(of(b.thread, 'deliver').map(brief)).toEqual(Array(100).fill(['deliver', a.id, b.id, 0]));
    for (let i = 1; i < events.length; i++) expect(events[i].time).toBeGreaterThanOrEqual(events[i - 1].time);
    // Strict alternation: each doorbell of b comes after the delivery of a's doorbell it answers.
    const flow = events.filter((e) => e.kind === 'doorbell').map((e) => e.thread);
    expect(flow).toEqual(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a.thread : b.thread)));
    await a.terminate();
    expect(host.trace.drain().map((e) => [e.kind, e.device, e.text])).toEqual([['server', b.id, `peer ${a.id} gone`]]);
    await b.terminate();
    expect(host.trace.dropped).toBe(0);
  }, 60_000);

  test('virtio-sdm: a signal sent, put in the receiver\'s hg_vq, a boot, a rejection, with SDM ids, type and payload', async () => {
    const host = await Host.create({ memory: '32M' });
    host.trace.start();
    const master = host.realize('virtio-sdm,id=m,master=on,max_slaves=2');
    const m = new SdmDriver(master);
    m.setup();
    // A slave VM held back until SDM_BOOT (its program waits for the boot before it runs).
    const slave = await host.spawn({ device: 'virtio-sdm,id=s1,chardev=m', program: program('sdm-slave'), arg: { rounds: 1 }, boot: 'sdm' });
    m.boot(1, [0x8000_0000, 7]);
    m.irq(1, [0xcafe, 0xffff_fffe]);
    m.irq(2, [1, 2]);   // nobody holds id 2: rejected as absent
    await slave.result;
    await until(() => m.poll() !== undefined, 'the slave\'s answer');
    const sdm = host.trace.drain().filter((e) => e.kind.startsWith('sdm-'));
    const fields = (e: TraceEvent) => [e.kind, e.device, e.peer, e.text, e.payload];
    expect(sdm.filter((e) => e.thread === 0).map(fields)).toEqual([
      ['sdm-send', 0, 1, 'SDM_BOOT', [0x8000_0000, 7]],
      ['sdm-boot', 1, 0, 'SDM_BOOT', [0x8000_0000, 7]],
      ['sdm-send', 0, 1, 'SDM_IRQ', [0xcafe, 0xffff_fffe]],
      ['sdm-reject', 0, -1, 'absent', undefined],
      // The slave's answer [0xcafe + 1, its id], taken into the master's hg_vq by the master's driver (on the host).
      ['sdm-deliver', 0, 1, 'SDM_IRQ', [0xcaff, 1]],
    ]);
    // The slave's own thread takes the IRQ into its hg_vq and sends its answer.
    expect(sdm.filter((e) => e.thread === slave.thread).map(fields)).toEqual([
      ['sdm-deliver', 1, 0, 'SDM_IRQ', [0xcafe, 0xffff_fffe]],
      ['sdm-send', 1, 0, 'SDM_IRQ', [0xcaff, 1]],
    ]);
    await host.shutdown();
  }, 60_000);
});

describe('host.trace: threads', () => {
  test('a host traces as many VM threads as it has eventfd slots (4095 besides its own), and refuses the next with a QemuError', async () => {
    const host = await Host.create({ memory: '8M' });
    const threads: number[] = [];
    for (let i = 1; i < L.EVENTFD_SLOTS; i++) threads.push(host.trace.openThread());
    expect(new Set(threads).size).toBe(L.EVENTFD_SLOTS - 1);
    expect(Math.max(...threads)).toBe(L.EVENTFD_SLOTS - 1);
    expect(() => host.trace.openThread()).toThrow(/trace: more than 4095 VM threads at once/);
    // a thread that ends gives its number back
    host.trace.closeThread(threads[10]);
    expect(host.trace.openThread()).toBe(threads[10]);
  });
});
