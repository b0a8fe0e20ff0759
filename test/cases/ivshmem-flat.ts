// ivshmem-flat, QEMU 10.0's sysbus ivshmem (hw/misc/ivshmem-flat.c): every expectation here is
// read from that source (and from the series' qtest, tests/qtest/ivshmem-flat-test.c, whose case
// names the first three take). A stock QEMU 10.0 cannot create the device (-device refuses it), so
// these cases stand where `npm run conformance:qemu` cannot.
import { expect } from 'chai';
import { AccessError, QemuError, driver, type Host, type MessageSink } from '../../src/index.ts';
import { machineOf } from '../../src/host.ts';
import type { CaseGroup } from './case.ts';
import { liveSlot, scripted, until } from './helpers.ts';

/** The register window "ivshmem-mmio" (include/hw/misc/ivshmem-flat.h's enum ivshmem_registers). */
const INTMASK = 0;
const INTSTATUS = 4;
const IVPOSITION = 8;
const DOORBELL = 12;
const NO_SERVER = "ivshmem server socket not specified or incorret. Can't create device.";
const NO_SHMEM = "Could not receive valid shmem fd. Can't create device!";
const SIZE_DIFFERENT = "Can't map shmem fd: shmem size different from device size!";

/** A server (4 MiB, as shmem-size's default) and two ivshmem-flat devices on it. */
function flatPair(host: Host, vectors = 1) {
  const server = host.addServer({ id: 'srv', size: '4M', vectors });
  const a = host.realize('ivshmem-flat,chardev=srv');
  const b = host.realize('ivshmem-flat,chardev=srv');
  return { server, a, b };
}

function memoryHandle(host: Host, size = 4 << 20) {
  const region = machineOf(host).allocate(size, 'test');
  return { kind: 'memory' as const, offset: region.offset, size, path: '/dev/shm/test' };
}

const eventfd = (host: Host) => ({ kind: 'eventfd' as const, slot: liveSlot(host) });

export const ivshmemFlat: CaseGroup = {
  group: 'ivshmem-flat (QEMU 10.0, checked against its source)',
  cases: [
    {
      name: '/ivshmem-flat/irq: a device rings itself on vector 0 and its one IRQ line pulses',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '4M', vectors: 1 });
        const dev = host.realize('ivshmem-flat,chardev=srv');
        const own = dev.bar(0).read(IVPOSITION, 4);
        expect(own).to.equal(dev.ivPosition);
        expect(dev.interrupts.take(), 'nothing before the ring').to.equal(-1);
        dev.bar(0).write(DOORBELL, 4, (own << 16) | 0);
        expect(dev.interrupts.delivered(0), 'one pulse').to.equal(1);
        expect(dev.interrupts.take(), 'the CPU takes it as the line\'s interrupt').to.equal(0);
        expect(dev.interrupts.take()).to.equal(-1);
      },
    },
    {
      name: '/ivshmem-flat/shm-write and /shm-read: region 1 is the server\'s memory, shmem-size bytes',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '128K', vectors: 1 });
        const dev = host.realize('ivshmem-flat,chardev=srv,shmem-size=131072');
        const server = host.connectClient('srv').bytes!;
        expect(dev.bar(1).size).to.equal(131072);
        const words = new Uint32Array(131072 / 4).map((_, i) => Math.imul(i + 1, 0x9e3779b1) >>> 0);
        words.forEach((w, i) => dev.bar(1).write(i * 4, 4, w));
        expect(new Uint32Array(server.slice().buffer)).to.deep.equal(words);
        server.set(new Uint8Array(words.reverse().buffer));
        words.forEach((w, i) => expect(dev.bar(1).read(i * 4, 4)).to.equal(w));
        expect(() => dev.bar(1).read(131072, 1)).to.throw(AccessError, /outside the region/);
      },
    },
    {
      name: '/ivshmem-flat/pair: two devices ring each other on vector 0 and see each other\'s writes',
      async run(env) {
        const host = await env.host();
        const { a, b } = flatPair(host);
        const idA = a.bar(0).read(IVPOSITION, 4);
        const idB = b.bar(0).read(IVPOSITION, 4);
        expect(idA).to.not.equal(idB);
        a.bar(0).write(DOORBELL, 4, idB << 16);
        expect([a.interrupts.delivered(0), b.interrupts.delivered(0)]).to.deep.equal([0, 1]);
        b.bar(0).write(DOORBELL, 4, idA << 16);
        expect([a.interrupts.delivered(0), b.interrupts.delivered(0)]).to.deep.equal([1, 1]);
        a.bar(1).write(0x100, 8, 0x0123456789abcdefn);
        expect(b.bar(1).read(0x100, 8)).to.equal(0x0123456789abcdefn);
      },
    },
    {
      name: 'registers: INTMASK and INTSTATUS read 0 and ignore writes, IVPOSITION reads the ID, DOORBELL reads 0',
      async run(env) {
        const host = await env.host();
        const { b } = flatPair(host);
        const r = b.bar(0);
        for (const offset of [INTMASK, INTSTATUS, IVPOSITION]) r.write(offset, 4, 0xffffffff);
        expect([INTMASK, INTSTATUS, IVPOSITION, DOORBELL].map((o) => r.read(o, 4))).to.deep.equal([0, 0, 1, 0]);
        expect(r.size, 'sixteen bytes').to.equal(16);
        expect(() => r.read(16, 4)).to.throw(AccessError, /outside the region/);
        expect(() => b.config.read(0, 4), 'no PCI function').to.throw(AccessError, /sysbus device: it has no PCI configuration space/);
        expect(() => b.bar(2)).to.throw(AccessError, /has no bar\(2\) \(it has bar\(0\) ivshmem-mmio, bar\(1\) ivshmem-shmem\)/);
      },
    },
    {
      name: 'registers: the handlers see 4-byte accesses at the access\' own offset, as the memory core cuts them',
      async run(env) {
        const host = await env.host();
        // an ID whose bytes all differ: IVPOSITION is s->own.id, the low 16 bits of the ID message
        const state = scripted(host, 'evil', (s) => {
          s.receive({ value: 0n });
          s.receive({ value: 0x5a1b2cn });
          s.receive({ value: -1n, handle: memoryHandle(host) });
        });
        const dev = host.realize('ivshmem-flat,chardev=evil');
        const r = dev.bar(0);
        expect(r.read(IVPOSITION, 4)).to.equal(0x1b2c);
        expect(dev.ivPosition).to.equal(0x1b2c);
        // .impl 4..4: a narrower piece calls the handler at its own offset with size 4, truncated
        expect(r.read(IVPOSITION, 2)).to.equal(0x1b2c);
        expect(r.read(IVPOSITION, 1)).to.equal(0x2c);
        expect(r.read(IVPOSITION + 1, 1), 'offset 9 is no register').to.equal(0);
        expect(r.read(IVPOSITION + 2, 2)).to.equal(0);
        // cut where the address' alignment cuts it: 2 bytes at 6, then 2 at 8
        expect(r.read(6, 4)).to.equal(0x1b2c0000);
        expect(r.read(IVPOSITION, 8), 'two 4-byte accesses, IVPOSITION then DOORBELL').to.equal(0x1b2cn);
        expect(r.read(INTSTATUS, 8)).to.equal(0x1b2cn << 32n);
        expect(state.closed).to.equal(false);
      },
    },
    {
      name: 'DOORBELL: peer in bits 31:16, vector in bits 15:0, decoded only at its own offset',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '4M', vectors: 4 });
        // the PCI peer is ID 0, so that a write that reached DOORBELL with a small value would ring it
        const pci = host.realize('ivshmem-doorbell,chardev=srv,vectors=4');
        const flat = host.realize('ivshmem-flat,chardev=srv');
        driver.bringUpDoorbell(pci);
        const to = pci.ivPosition << 16;
        expect(to).to.equal(0);
        const delivered = () => [0, 1, 2, 3].map((v) => pci.interrupts.delivered(v));
        flat.bar(0).write(DOORBELL, 4, to | 3);
        expect(delivered(), 'vector 3 of a PCI peer').to.deep.equal([0, 0, 0, 1]);
        flat.bar(0).write(DOORBELL, 4, to | 0x102);
        expect(delivered(), '0x102 is vector 258 (ivshmem-pci would take 0x02): no eventfd, nothing').to.deep.equal([0, 0, 0, 1]);
        flat.bar(0).write(DOORBELL, 4, (7 << 16) | 1);
        expect(delivered(), 'an unknown peer is ignored').to.deep.equal([0, 0, 0, 1]);
        // a write at 0xe reaches the handler at 0xe with its value in the low bits, and 0xe is no
        // register (ivshmem-pci masks the offset to 0xc and would ring peer 0's vector 1)
        flat.bar(0).write(DOORBELL + 2, 2, 1);
        flat.bar(0).write(DOORBELL + 1, 1, 2);
        expect(delivered()).to.deep.equal([0, 0, 0, 1]);
        flat.bar(0).write(DOORBELL, 1, 2);
        expect(delivered(), 'a 1-byte write at 0xc rings peer 0, vector 2').to.deep.equal([0, 0, 1, 1]);
        // an 8-byte write at 8 is IVPOSITION (ignored) then DOORBELL with the high dword
        flat.bar(0).write(IVPOSITION, 8, (BigInt(to | 1) << 32n) | 0xffffffffn);
        expect(delivered()).to.deep.equal([0, 1, 1, 1]);
        expect(flat.bar(0).read(IVPOSITION, 4), 'IVPOSITION did not take the write').to.equal(1);
      },
    },
    {
      name: 'only vector 0 interrupts it: an event on its other vectors is never taken',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '4M', vectors: 3 });
        const flat = host.realize('ivshmem-flat,chardev=srv');
        const pci = host.realize('ivshmem-doorbell,chardev=srv,vectors=3');
        const client = host.connectClient('srv');
        driver.enableDevice(pci);
        expect(flat.peers(), 'it holds every peer\'s three eventfds, its own too').to.deep.equal([
          { id: 0, vectors: 3 }, { id: 1, vectors: 3 }, { id: 2, vectors: 3 },
        ]);
        // every own eventfd's handler tests vector 0's notifier (ivshmem_flat_add_vector's &peer->vector)
        driver.ring(pci, flat.ivPosition, 1);
        driver.ring(pci, flat.ivPosition, 2);
        client.notify(flat.ivPosition, 2);
        expect(flat.interrupts.delivered(0)).to.equal(0);
        expect(flat.interrupts.take()).to.equal(-1);
        client.notify(flat.ivPosition, 0);
        driver.ring(pci, flat.ivPosition, 0);
        expect(flat.interrupts.delivered(0), 'vector 0 pulses, from anyone').to.equal(2);
        // two pulses before the CPU takes the first: the interrupt controller holds one pending
        expect(flat.interrupts.take()).to.equal(0);
        expect(flat.interrupts.take()).to.equal(-1);
        // the page's ivshmem-client hears a flat device ring it on any vector it has
        flat.bar(0).write(DOORBELL, 4, (client.id << 16) | 2);
        await until(() => client.notifications.some((n) => n.peer === client.id && n.vector === 2), 'the client hearing vector 2');
        client.close();
      },
    },
    {
      name: 'up to 64 eventfds per peer: the server\'s further ones are closed without a word',
      async run(env) {
        const host = await env.host();
        const peer9: number[] = [];
        const state = scripted(host, 'evil', (s) => {
          s.receive({ value: 0n });
          s.receive({ value: 3n });
          s.receive({ value: -1n, handle: memoryHandle(host) });
          for (let i = 0; i < 66; i++) {
            const handle = eventfd(host);
            peer9.push(handle.slot);
            s.receive({ value: 9n, handle });
          }
          for (let i = 0; i < 65; i++) s.receive({ value: 3n, handle: eventfd(host) });
        });
        const dev = host.realize('ivshmem-flat,chardev=evil');
        expect(dev.peers()).to.deep.equal([{ id: 3, vectors: 64 }, { id: 9, vectors: 64 }]);
        state.sink!.receive({ value: 9n, handle: eventfd(host) });
        expect(dev.peers()[1]).to.deep.equal({ id: 9, vectors: 64 });
        expect(dev.internals.client!.errors, 'no error reported').to.deep.equal([]);
        // peer 9's 64th eventfd is held and rung; the 65th was closed, vector 64 rings nothing
        const { core } = machineOf(host);
        dev.bar(0).write(DOORBELL, 4, (9 << 16) | 63);
        dev.bar(0).write(DOORBELL, 4, (9 << 16) | 64);
        expect([core.eventfdRead(peer9[63]), core.eventfdRead(peer9[64])]).to.deep.equal([1, 0]);
      },
    },
    {
      name: 'the server: version unchecked, IDs the low 16 bits, the memory the third message, -1 later a peer',
      async run(env) {
        const host = await env.host();
        const state = scripted(host, 'evil', (s) => {
          s.receive({ value: 7n });
          s.receive({ value: -2n });
          s.receive({ value: -1n, handle: memoryHandle(host) });
          s.receive({ value: 0x10005n, handle: eventfd(host) });
        });
        const dev = host.realize('ivshmem-flat,chardev=evil');
        expect(dev.ivPosition, '-2 & 0xffff').to.equal(0xfffe);
        expect(dev.peers()).to.deep.equal([{ id: 5, vectors: 1 }]);
        // after the handshake -1 is no memory message: it names peer 65535
        state.sink!.receive({ value: -1n, handle: eventfd(host) });
        expect(dev.peers()).to.deep.equal([{ id: 5, vectors: 1 }, { id: 0xffff, vectors: 1 }]);
        state.sink!.receive({ value: 0x20005n });
        expect(dev.peers(), 'peer 5 gone (0x20005 & 0xffff)').to.deep.equal([{ id: 0xffff, vectors: 1 }]);
        state.sink!.receive({ value: 42n });
        expect(dev.peers(), 'an unknown peer gone: nothing').to.deep.equal([{ id: 0xffff, vectors: 1 }]);
        expect(dev.internals.client!.errors).to.deep.equal([]);
        // where QEMU would free its own entry (a crash) or take any fd as an eventfd: reported, nothing changes
        state.sink!.receive({ value: 0xfffen });
        state.sink!.receive({ value: 6n, handle: memoryHandle(host) });
        expect(dev.internals.client!.errors).to.deep.equal(['invalid peer 65534', 'server sent an invalid eventfd handle with message 6']);
        expect([dev.ivPosition, dev.peers()]).to.deep.equal([0xfffe, [{ id: 0xffff, vectors: 1 }]]);
      },
    },
    {
      name: 'realize: QEMU\'s errors word for word, and a refused realize changes nothing',
      async run(env) {
        const host = await env.host();
        const server = host.addServer({ id: 'srv', size: '4M', vectors: 1 });
        const before = host.resources();
        expect(() => host.realize('ivshmem-flat'), 'no chardev').to.throw(QemuError, NO_SERVER);
        expect(() => host.realize('ivshmem-flat,chardev='), 'an empty chardev is none').to.throw(QemuError, NO_SERVER);
        expect(() => host.realize('ivshmem-flat,chardev=srv,shmem-size=1048576')).to.throw(QemuError, SIZE_DIFFERENT);
        expect(host.resources()).to.deep.equal(before);
        expect(server.peerIds).to.deep.equal([]);
        const refused = async (script: (h: Host, s: MessageSink) => void, message: string) => {
          const h = await env.host();
          const state = scripted(h, 'evil', (s) => script(h, s));
          expect(() => h.realize('ivshmem-flat,chardev=evil')).to.throw(QemuError, message);
          expect(h.devices).to.deep.equal([]);
          expect(state.closed, 'the device hung up').to.equal(true);
        };
        const start = (s: MessageSink) => { s.receive({ value: 0n }); s.receive({ value: 0n }); };
        await refused((h, s) => { start(s); s.receive({ value: 0n, handle: eventfd(h) }); }, NO_SHMEM);
        await refused((h, s) => { start(s); s.receive({ value: -2n, handle: memoryHandle(h) }); }, NO_SHMEM);
        await refused((_h, s) => { start(s); s.receive({ value: -1n }); }, NO_SHMEM);
        await refused((h, s) => { start(s); s.receive({ value: -1n, handle: memoryHandle(h, 1 << 20) }); }, SIZE_DIFFERENT);
        await refused((h, s) => { start(s); s.receive({ value: -1n, handle: eventfd(h) }); }, SIZE_DIFFERENT);
      },
    },
    {
      name: 'options: QEMU 10.0\'s properties (chardev, shmem-size) and the board wiring\'s (x-bus-address-*, x-irq-qompath)',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '4M', vectors: 1 });
        const refused: [string, string][] = [
          ['chardev=nope', "Property 'ivshmem-flat.chardev' can't find value 'nope'"],
          ['chardev=srv,vectors=2', "Property 'ivshmem-flat.vectors' not found"],
          ['chardev=srv,addr=4', "Property 'ivshmem-flat.addr' not found"],
          ['chardev=srv,shmem-size=4M', "Parameter 'shmem-size' expects integer"],
          ['chardev=srv,shmem-size=4294967296', "Parameter 'shmem-size' expects uint32_t"],
          ['chardev=srv,bus=pci.0', "Device 'ivshmem-flat' can't go on PCI bus"],
          ['chardev=srv,bus=nope', "Bus 'nope' not found"],
          ['chardev=srv,x-bus-address-iomem=zz', "Parameter 'x-bus-address-iomem' expects integer"],
          ['chardev=srv,x-bus-address-shmem=-1', "No address for shmem specified. Can't create ivshmem-flat device. Use 'x-bus-address-shmem' option."],
          ['chardev=srv,x-bus-address-iomem=0xffffffffffffffff', "No address for iomem (MMRs) specified. Can't create ivshmem-flat device. Use 'x-bus-address-iomem' option."],
          ['chardev=srv,x-irq-qompath=', "Can't resolve IRQ QOM path."],
        ];
        for (const [props, message] of refused) expect(() => host.realize(`ivshmem-flat,${props}`), props).to.throw(QemuError, message);
        expect(host.devices).to.deep.equal([]);
        const dev = host.realize('ivshmem-flat,chardev=srv,shmem-size=0x400000,bus=main-system-bus,x-bus-address-iomem=0x40000000,x-bus-address-shmem=0x20000000,x-irq-qompath=/machine/armv7m/nvic/unnamed-gpio-in[0]');
        expect(dev.layout.bars.map((b) => [b.name, b.address, b.size])).to.deep.equal([
          ['ivshmem-mmio', 0x40000000n, 16], ['ivshmem-shmem', 0x20000000n, 4 << 20],
        ]);
        expect(host.realize('ivshmem-flat,chardev=srv').layout.bars.map((b) => b.address), 'lm3s6965evb\'s, from the series').to.deep.equal([0x400ff000n, 0x40100000n]);
      },
    },
    {
      name: 'reset and migration: it has no reset handler and no vmstate',
      async run(env) {
        const host = await env.host();
        const { a, b } = flatPair(host);
        b.bar(1).write(0, 4, 0xfeedf00d);
        b.reset();
        expect([b.ivPosition, b.peers().length, b.bar(1).read(0, 4)]).to.deep.equal([1, 2, 0xfeedf00d]);
        a.bar(0).write(DOORBELL, 4, 1 << 16);
        expect(b.interrupts.delivered(0)).to.equal(1);
        const state = b.save();
        expect(state.byteLength, 'a migration carries nothing of it').to.equal(0);
        a.load(state);
        expect(() => a.load(new Uint8Array(4))).to.throw(QemuError, /no vmstate/);
        expect([a.ivPosition, a.peers().length]).to.deep.equal([0, 2]);
      },
    },
    {
      name: 'two MCU guests in VM workers ping-pong on vector 0; the vector 1 rung beside each is never taken',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '4M', vectors: 2 });
        const rounds = 200;
        const a = await host.spawn({ device: 'ivshmem-flat,chardev=srv', program: env.program('flat-ping-pong'), arg: { rounds, serve: false } });
        const b = await host.spawn({ device: 'ivshmem-flat,chardev=srv,x-bus-address-iomem=0x40000000', program: env.program('flat-ping-pong'), arg: { rounds, serve: true } });
        try {
          expect(a.address).to.deep.equal({ bus: 'sysbus', address: '0x400ff000' });
          expect(b.address).to.deep.equal({ bus: 'sysbus', address: '0x40000000' });
          const expected = { received: rounds, ownId: true };
          expect(await Promise.all([a.result, b.result])).to.deep.equal([expected, expected]);
          // each ring of vector 0 came with one of vector 1: only the first pulsed
          expect([a.counters.delivered, b.counters.delivered]).to.deep.equal([[rounds], [rounds]]);
        } finally {
          await Promise.all([a.terminate(), b.terminate()]);
        }
      },
    },
    {
      name: 'a guest\'s vm.ring takes 16-bit vectors on ivshmem-flat, and refuses what does not fit',
      async run(env) {
        const host = await env.host();
        const { a, b } = flatPair(host);
        driver.ring(a, b.ivPosition, 0);
        driver.ring(a, b.ivPosition, 0x100);
        expect(b.interrupts.delivered(0), 'vector 256 is not vector 0').to.equal(1);
        expect(() => driver.ring(a, b.ivPosition, 0x10000)).to.throw(AccessError, /the vector/);
        const vm = await host.spawn({ device: 'ivshmem-flat,chardev=srv', program: env.program('flat-ring'), arg: { to: b.ivPosition } });
        try {
          expect(await vm.result).to.deep.equal({ rang: [0, 0x100, 0xffff], refused: 'AccessError' });
          expect(b.interrupts.delivered(0)).to.equal(2);
        } finally {
          await vm.terminate();
        }
      },
    },
  ],
};
