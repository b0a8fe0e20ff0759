// ivshmem-v2 (IVSHMEM 2.0): what the spec (Jailhouse's Documentation/ivshmem-v2-specification.md)
// and the QEMU RFC's hw/misc/ivshmem2.c say of the device: its config space and vendor capability,
// its registers, the state table, the output sections' ownership, interrupt control, one-shot
// mode, a peer gone, reset, its options. The server's side is test/cases/ivshmem2-server.ts.
import { expect } from 'chai';
import { AccessError, QemuError, driver, type Device, type Host } from '../../src/index.ts';
import { barSize, type CaseGroup } from './case.ts';
import { until } from './helpers.ts';

/** BAR0 registers of the spec (all 32-bit). */
export const V2 = { ID: 0x00, MAX_PEERS: 0x04, INT_CTRL: 0x08, DOORBELL: 0x0c, STATE: 0x10 } as const;

/** An ivshmem2-server and `count` ivshmem-v2 devices on it, enabled (Memory Space and Bus Master). */
export function v2Devices(host: Host, count = 2, server: Parameters<Host['addServer2']>[0] = { id: 'srv2' }): Device[] {
  host.addServer2({ size: '64K', outputSectionSize: '8K', maxPeers: 4, vectors: 2, protocol: 0x4001, ...server });
  const devices = Array.from({ length: count }, () => host.realize(`ivshmem-v2,chardev=${server.id}`));
  for (const device of devices) driver.enableDevice(device);
  return devices;
}

/** MSI-X on, every vector unmasked, interrupts enabled: what ivshmem-net's probe leaves. */
function listening(device: Device, oneShot = false): Device {
  driver.v2.enableInterrupts(device, { oneShot });
  return device;
}

const ring = (from: Device, to: Device, vector: number) => from.bar(0).write(V2.DOORBELL, 4, ((to.ivPosition << 16) | vector) >>> 0);

export const ivshmemV2: CaseGroup = {
  group: 'ivshmem-v2: registers, state table, output sections, interrupts',
  cases: [
    {
      name: 'config space: 110a:4106, revision 0, class ff with the protocol in sub-class and prog-if, no interrupt pin',
      async run(env) {
        const [a] = v2Devices(await env.host(), 1);
        expect(a.config.read(0x00, 2)).to.equal(0x110a);
        expect(a.config.read(0x02, 2)).to.equal(0x4106);
        expect(a.config.read(0x08, 1), 'revision').to.equal(0);
        expect(a.config.read(0x09, 1), 'prog-if: protocol bits 0-7').to.equal(0x01);
        expect(a.config.read(0x0a, 1), 'sub-class: protocol bits 8-15').to.equal(0x40);
        expect(a.config.read(0x0b, 1), 'base class').to.equal(0xff);
        expect(a.config.read(0x0e, 1), 'header type').to.equal(0);
        expect(a.config.read(0x2c, 4), 'QEMU\'s default subsystem').to.equal(0x11001af4);
        expect(a.config.read(0x3d, 1), 'MSI-X, so no INTx pin').to.equal(0);
        expect(a.config.read(0x06, 2) & 0x10, 'capability list').to.equal(0x10);
      },
    },
    {
      name: 'capabilities: the vendor capability (09h, 18h bytes) heads the list, MSI-X after it; the sections\' sizes',
      async run(env) {
        const [a] = v2Devices(await env.host(), 1);
        const vendor = a.config.read(0x34, 1);
        expect(a.config.read(vendor, 1)).to.equal(0x09);
        expect(a.config.read(vendor + 2, 1), 'length').to.equal(0x18);
        expect(a.config.read(vendor + 3, 1), 'privileged control').to.equal(0);
        const msix = a.config.read(vendor + 1, 1);
        expect(a.config.read(msix, 1)).to.equal(0x11);
        expect(a.config.read(msix + 1, 1), 'end of the list').to.equal(0);
        // the RFC: a 4 KiB state table, the output sections at the end, the R/W section between
        expect(a.config.read(vendor + 4, 4), 'state table').to.equal(0x1000);
        expect([a.config.read(vendor + 8, 4), a.config.read(vendor + 12, 4)], 'R/W section').to.deep.equal([0x10000 - 0x1000 - 4 * 0x2000, 0]);
        expect([a.config.read(vendor + 16, 4), a.config.read(vendor + 20, 4)], 'output section').to.deep.equal([0x2000, 0]);
      },
    },
    {
      name: 'the vendor capability is read-only but for bit 0 of its privileged control (one-shot mode)',
      async run(env) {
        const [a] = v2Devices(await env.host(), 1);
        const vendor = a.config.read(0x34, 1);
        const before = Array.from({ length: 0x18 }, (_, i) => a.config.read(vendor + i, 1));
        for (let i = 0; i < 0x18; i++) a.config.write(vendor + i, 1, 0xff);
        const after = Array.from({ length: 0x18 }, (_, i) => a.config.read(vendor + i, 1));
        expect(after).to.deep.equal(before.map((byte, i) => (i === 3 ? 0x01 : byte)));
      },
    },
    {
      name: 'BARs: BAR0 a 4 KiB page of registers, BAR1 the MSI-X table and PBA, BAR2 the whole memory, 64-bit prefetchable',
      async run(env) {
        const [a] = v2Devices(await env.host(), 1);
        expect(barSize(a, 0)).to.equal(0x1000);
        expect(a.config.read(0x10, 4) & 0xf, 'BAR0: 32-bit memory').to.equal(0);
        expect(barSize(a, 1)).to.equal(0x1000);
        expect(a.config.read(0x18, 4) & 0xf, 'BAR2: 64-bit, prefetchable').to.equal(0xc);
        expect(barSize(a, 2)).to.equal(0x10000);
      },
    },
    {
      name: 'BAR0: ID and Maximum Peers read-only, Interrupt Control keeps bit 0, Doorbell reads 0, State reads back, the rest reads 0',
      async run(env) {
        const [a, b] = v2Devices(await env.host(), 2);
        const bar = b.bar(0);
        expect(bar.read(V2.ID, 4)).to.equal(1);
        expect(bar.read(V2.MAX_PEERS, 4)).to.equal(4);
        bar.write(V2.ID, 4, 7);
        bar.write(V2.MAX_PEERS, 4, 9);
        expect([bar.read(V2.ID, 4), bar.read(V2.MAX_PEERS, 4)]).to.deep.equal([1, 4]);
        bar.write(V2.INT_CTRL, 4, 0xffffffff);
        expect(bar.read(V2.INT_CTRL, 4)).to.equal(1);
        bar.write(V2.STATE, 4, 0xdeadbeef);
        expect(bar.read(V2.STATE, 4)).to.equal(0xdeadbeef);
        expect(bar.read(V2.DOORBELL, 4)).to.equal(0);
        for (let offset = 0x14; offset < 0x1000; offset += 4) {
          bar.write(offset, 4, 0xffffffff);
          expect(bar.read(offset, 4), `offset ${offset}`).to.equal(0);
        }
        // The specification's registers end at 13h and Jailhouse decodes the exact address; the
        // RFC decodes a write at `addr & 0xfc`, so 108h would be Interrupt Control and 110h State.
        expect([bar.read(V2.INT_CTRL, 4), bar.read(V2.STATE, 4)], 'no write past 13h lands on a register').to.deep.equal([1, 0xdeadbeef]);
        bar.write(V2.INT_CTRL, 4, 0);
        bar.write(0x108, 4, 1);
        expect(bar.read(V2.INT_CTRL, 4), 'a write at 108h is not Interrupt Control').to.equal(0);
        expect(a.bar(0).read(V2.ID, 4)).to.equal(0);
      },
    },
    {
      name: 'BAR0 takes only aligned 32-bit accesses: anything else is refused with an AccessError and changes nothing',
      async run(env) {
        const [a] = v2Devices(await env.host(), 1);
        a.bar(0).write(V2.STATE, 4, 5);
        for (const [offset, size] of [[V2.STATE, 1], [V2.STATE, 2], [V2.STATE, 8], [V2.STATE + 2, 4], [V2.STATE + 1, 1]]) {
          expect(() => a.bar(0).read(offset, size as 4), `read ${size} at ${offset}`).to.throw(AccessError);
          expect(() => a.bar(0).write(offset, size, 9), `write ${size} at ${offset}`).to.throw(AccessError);
        }
        expect(a.bar(0).read(V2.STATE, 4)).to.equal(5);
      },
    },
    {
      name: 'State: the value goes into the state table, and a change interrupts every other peer on vector 0; the same value again does not',
      async run(env) {
        const [a, b, c] = v2Devices(await env.host(), 3).map((d) => listening(d));
        a.bar(0).write(V2.STATE, 4, 5);
        expect(b.bar(2).read(0, 4), 'table entry of peer 0, read by peer 1').to.equal(5);
        expect(c.v2!.peerState(0)).to.equal(5);
        expect([a, b, c].map((d) => d.interrupts.delivered(0))).to.deep.equal([0, 1, 1]);
        a.bar(0).write(V2.STATE, 4, 5);
        expect([a, b, c].map((d) => d.interrupts.delivered(0)), 'no change, no interrupt').to.deep.equal([0, 1, 1]);
        c.bar(0).write(V2.STATE, 4, 6);
        expect(a.bar(2).read(8, 4)).to.equal(6);
        expect([a, b, c].map((d) => d.interrupts.delivered(0))).to.deep.equal([1, 2, 1]);
        expect(b.interrupts.delivered(1), 'only vector 0').to.equal(0);
      },
    },
    {
      name: 'the state table is read-only: a write through BAR2 is refused and changes nothing',
      async run(env) {
        const [a, b] = v2Devices(await env.host(), 2);
        a.bar(0).write(V2.STATE, 4, 3);
        expect(() => b.bar(2).write(0, 4, 9)).to.throw(AccessError, /state table/);
        expect(() => b.bar(2).write(4, 1, 9), 'its own entry too').to.throw(AccessError, /state table/);
        expect(() => b.bar(2).write(0xffe, 4, 9), 'a write that starts in it').to.throw(AccessError);
        expect([a.v2!.peerState(0), a.v2!.peerState(1)]).to.deep.equal([3, 0]);
      },
    },
    {
      name: 'output sections: a device writes its own and the R/W section, never another peer\'s; bytes is a copy',
      async run(env) {
        const [a, b] = v2Devices(await env.host(), 2);
        const { rw, outputs } = a.v2!.sections;
        a.bar(2).write(outputs[0].offset, 4, 0x11223344);
        expect(b.bar(2).read(outputs[0].offset, 4), 'b reads a\'s output section').to.equal(0x11223344);
        expect(() => b.bar(2).write(outputs[0].offset, 4, 0x55), 'b writing a\'s').to.throw(AccessError, /another peer's output section/);
        expect(() => a.bar(2).write(outputs[3].offset + outputs[3].size - 1, 1, 0x55), 'a writing peer 3\'s').to.throw(AccessError);
        expect(() => b.bar(2).write(outputs[0].offset, 8, 0x55), 'b writing a\'s, 8 bytes of a number').to.throw(AccessError, /another peer's output section/);
        expect(() => b.bar(2).write(outputs[0].offset, 8, 0x55n), 'b writing a\'s, 8 bytes of a bigint').to.throw(AccessError, /another peer's output section/);
        expect(() => b.bar(2).write(outputs[1].offset - 4, 8, 0x55n), 'an 8-byte write that starts in a\'s and ends in b\'s own').to.throw(AccessError, /another peer's output section/);
        expect(a.bar(2).read(outputs[0].offset, 4), 'unchanged').to.equal(0x11223344);
        expect(a.bar(2).read(outputs[1].offset - 4, 4), 'unchanged, the end of a\'s').to.equal(0);
        b.bar(2).write(rw.offset + 16, 4, 0xabcd);
        a.bar(2).write(outputs[1].offset - 4, 4, 0x77);
        expect(a.bar(2).read(rw.offset + 16, 4), 'the R/W section is everyone\'s').to.equal(0xabcd);
        const copy = b.bar(2).bytes!;
        copy[outputs[0].offset] = 0x99;
        expect(a.bar(2).read(outputs[0].offset, 1), 'a write into bytes lands nowhere').to.equal(0x44);
        b.v2!.output[0] = 0x42;
        expect(a.v2!.input(1)[0], 'the live view of b\'s own section').to.equal(0x42);
        expect(a.bar(2).read(outputs[1].offset, 1)).to.equal(0x42);
        expect(b.v2!.output.length).to.equal(outputs[1].size);
      },
    },
    {
      name: 'Doorbell: vector in bits 0..15, target in bits 16..31; a target or vector the target does not have changes nothing',
      async run(env) {
        const [a, b] = v2Devices(await env.host(), 2).map((d) => listening(d));
        ring(b, a, 1);
        expect([a.interrupts.delivered(0), a.interrupts.delivered(1)]).to.deep.equal([0, 1]);
        b.bar(0).write(V2.DOORBELL, 4, 0x0101);
        expect(a.interrupts.delivered(1), 'vector 257 is not vector 1').to.equal(1);
        b.bar(0).write(V2.DOORBELL, 4, (3 << 16) | 0);
        b.bar(0).write(V2.DOORBELL, 4, (9 << 16) | 0);
        expect([a, b].map((d) => d.interrupts.delivered(0) + d.interrupts.dropped)).to.deep.equal([0, 0]);
        ring(b, b, 0);
        expect(b.interrupts.delivered(0), 'a device may ring itself').to.equal(1);
      },
    },
    {
      name: 'Interrupt Control off: doorbells are dropped, not kept: enabling later delivers nothing',
      async run(env) {
        const [a, b] = v2Devices(await env.host(), 2);
        driver.enableMsix(a);
        driver.unmaskVector(a, 0);
        ring(b, a, 0);
        expect([a.interrupts.delivered(0), a.interrupts.dropped]).to.deep.equal([0, 1]);
        driver.v2.setInterrupts(a, true);
        expect(a.interrupts.delivered(0)).to.equal(0);
        ring(b, a, 0);
        expect(a.interrupts.delivered(0)).to.equal(1);
      },
    },
    {
      name: 'no pending state: an event on a masked vector is dropped, the PBA reads 0 and unmasking delivers nothing',
      async run(env) {
        const [a, b] = v2Devices(await env.host(), 2).map((d) => listening(d));
        driver.maskVector(a, 1);
        ring(b, a, 1);
        expect(driver.msixPending(a, 1), 'PBA').to.equal(false);
        expect(a.bar(1).read(0x800, 4), 'the PBA word').to.equal(0);
        driver.unmaskVector(a, 1);
        expect([a.interrupts.delivered(1), a.interrupts.dropped]).to.deep.equal([0, 1]);
        driver.disableMsix(a);
        ring(b, a, 0);
        driver.enableMsix(a);
        expect([a.interrupts.delivered(0), a.interrupts.dropped], 'MSI-X off drops it too').to.deep.equal([0, 2]);
      },
    },
    {
      name: 'one-shot mode: a delivery clears Interrupt Control; later events are dropped until the driver enables it again',
      async run(env) {
        const [a, b] = v2Devices(await env.host(), 2);
        listening(a, true);
        expect(a.v2!.oneShot).to.equal(true);
        ring(b, a, 0);
        expect(a.bar(0).read(V2.INT_CTRL, 4)).to.equal(0);
        ring(b, a, 1);
        expect([a.interrupts.delivered(0), a.interrupts.delivered(1), a.interrupts.dropped]).to.deep.equal([1, 0, 1]);
        driver.v2.setInterrupts(a, true);
        ring(b, a, 1);
        expect([a.interrupts.delivered(1), a.bar(0).read(V2.INT_CTRL, 4)]).to.deep.equal([1, 0]);
        // the delivery clears it even when the message is then dropped (a masked vector)
        driver.v2.setInterrupts(a, true);
        driver.maskVector(a, 0);
        ring(b, a, 0);
        expect([a.bar(0).read(V2.INT_CTRL, 4), a.interrupts.dropped]).to.deep.equal([0, 2]);
        // without it, every event interrupts
        listening(b, false);
        ring(a, b, 0);
        ring(a, b, 0);
        expect([b.interrupts.delivered(0), b.bar(0).read(V2.INT_CTRL, 4)]).to.deep.equal([2, 1]);
      },
    },
    {
      name: 'Bus Master off: the message, a DMA write, is lost',
      async run(env) {
        const [a, b] = v2Devices(await env.host(), 2).map((d) => listening(d));
        a.config.write(0x04, 2, a.config.read(0x04, 2) & ~0x4);
        ring(b, a, 0);
        expect([a.interrupts.delivered(0), a.interrupts.lost]).to.deep.equal([0, 1]);
      },
    },
    {
      name: 'a peer gone: the server clears its state table entry, and every remaining device rings its own vector 0',
      async run(env) {
        const [a, b, c] = v2Devices(await env.host(), 3).map((d) => listening(d));
        b.bar(0).write(V2.STATE, 4, 3);
        const before = [a.interrupts.delivered(0), c.interrupts.delivered(0)];
        b.unrealize();
        expect(a.v2!.peerState(1), 'its entry').to.equal(0);
        expect([a.interrupts.delivered(0), c.interrupts.delivered(0)]).to.deep.equal(before.map((n) => n + 1));
        expect(a.peers().map((p) => p.id)).to.deep.equal([0, 2]);
        a.bar(0).write(V2.DOORBELL, 4, (1 << 16) | 0);
        expect(c.interrupts.delivered(0), 'ringing the departed reaches nobody').to.equal(before[1] + 1);
      },
    },
    {
      name: 'reset: Interrupt Control and State back to 0, its state table entry too, and the others hear the change',
      async run(env) {
        const [a, b] = v2Devices(await env.host(), 2).map((d) => listening(d));
        a.bar(0).write(V2.STATE, 4, 2);
        const heard = b.interrupts.delivered(0);
        a.reset();
        expect(a.config.read(0x04, 2), 'Command').to.equal(0);
        driver.enableDevice(a);
        expect([a.bar(0).read(V2.INT_CTRL, 4), a.bar(0).read(V2.STATE, 4), b.v2!.peerState(0)]).to.deep.equal([0, 0, 0]);
        expect(b.interrupts.delivered(0)).to.equal(heard + 1);
        expect(a.v2!.oneShot, 'privileged control').to.equal(false);
      },
    },
    {
      name: 'options: QEMU\'s errors for each bad one, and nothing changes',
      async run(env) {
        const host = await env.host();
        host.addServer2({ id: 'srv2', size: '64K', outputSectionSize: '8K', maxPeers: 2 });
        host.addServer2({ id: 'small', socket: '/tmp/small', shm: 'small', size: '16K', outputSectionSize: '8K', maxPeers: 2 });
        host.addServer2({ id: 'deaf', socket: '/tmp/deaf', shm: 'deaf', vectors: 0 });
        host.addServer({ id: 'v1', socket: '/tmp/v1', shm: 'v1', size: '64K' });
        const first = host.realize('ivshmem-v2,chardev=srv2,master=on,ioeventfd=off');
        const before = host.resources();
        const refused: [string, RegExp][] = [
          ['ivshmem-v2', /^You must specify a 'chardev'$/],
          ['ivshmem-v2,chardev=srv2,size=4M', /^Property 'ivshmem-v2.size' not found$/],
          ['ivshmem-v2,chardev=nope', /^Property 'ivshmem-v2.chardev' can't find value 'nope'$/],
          ['ivshmem-v2,chardev=srv2,master=yes', /^Parameter 'master' does not accept value 'yes'$/],
          ['ivshmem-v2,chardev=v1', /^server sent invalid initial info$/],
          ['ivshmem-v2,chardev=srv2,master=on', /^Master must connect to the server before any peers$/],
          ['ivshmem-v2,chardev=small', /^Invalid output section size, shared memory too small$/],
          ['ivshmem-v2,chardev=deaf', /^server sent invalid number of vectors message$/],
        ];
        for (const [text, message] of refused) {
          expect(() => host.realize(text), text).to.throw(QemuError, message);
        }
        expect(host.resources()).to.deep.equal(before);
        expect(first.ivPosition).to.equal(0);
      },
    },
    {
      name: 'driver.v2.NetHandshake takes ivshm_net_state_change\'s steps, whatever order the peer\'s states come in',
      async run(env) {
        const [a, b] = v2Devices(await env.host(), 2);
        const hooks: string[] = [];
        const handshake = new driver.v2.NetHandshake(a, driver.v2.probe(a), 1, {
          init: () => hooks.push('init'), run: () => hooks.push('run'), stop: () => hooks.push('stop'),
        });
        const { RESET, INIT, READY, RUN } = driver.v2.NET_STATE;
        driver.v2.setState(b, INIT);
        expect(handshake.start(), 'RESET, the peer below READY').to.equal(INIT);
        // [the peer's state, this side's state after check()], as ivshmem-net's switch decides
        const steps: [number, number][] = [
          [RESET, INIT], // INIT waits for the peer to leave RESET
          [RUN, READY], // it has: queues laid out, READY
          [RUN, READY], // no change seen, no step
          [READY, RUN], // the peer READY or RUN: RUN
          [RUN, RUN],
          [INIT, RUN], // neither READY nor RESET: nothing
          [RESET, RESET], // the peer back in RESET: so is this side
          [READY, RESET], // RESET waits for the peer to go below READY
          [INIT, INIT],
        ];
        for (const [peer, expected] of steps) {
          driver.v2.setState(b, peer);
          expect(handshake.check(), `the peer in ${peer}`).to.equal(expected);
          expect(a.bar(0).read(V2.STATE, 4), 'the State register').to.equal(expected);
        }
        expect(hooks).to.deep.equal(['init', 'run', 'stop']);
      },
    },
    {
      name: 'two cells in VM workers: ivshmem-net\'s state handshake (RESET, INIT, READY, RUN), then a word each way through the output sections',
      async run(env) {
        const host = await env.host();
        host.addServer2({ id: 'srv2', size: '64K', outputSectionSize: '16K', maxPeers: 2, vectors: 2, protocol: 0x0001 });
        const program = env.program('v2-net');
        const cells = [await host.spawn({ device: 'ivshmem-v2,chardev=srv2', program }), await host.spawn({ device: 'ivshmem-v2,chardev=srv2', program })];
        try {
          const results = await Promise.all(cells.map((cell) => cell.result)) as { id: number; states: number[]; initialized: boolean; received: number; protocol: number }[];
          for (const result of results) {
            const peer = 1 - result.id;
            expect(result.states, `cell ${result.id}`).to.deep.equal([1, 2, 3]);
            expect(result.initialized).to.equal(true);
            expect(result.received, 'the word the peer wrote in its output section').to.equal(0xc0de0000 + peer);
            expect(result.protocol, 'Ethernet').to.equal(0x0001);
          }
          expect([cells[0].device.v2!.peerState(0), cells[0].device.v2!.peerState(1)], 'the state table').to.deep.equal([3, 3]);
        } finally {
          await Promise.all(cells.map((cell) => cell.terminate()));
        }
      },
    },
    {
      name: 'vm.bringUp() brings an ivshmem-v2 up as its drivers do: Interrupt Control on too, so a doorbell reaches the guest',
      async run(env) {
        const host = await env.host();
        const [ringer] = v2Devices(host, 1);
        const vm = await host.spawn({ device: 'ivshmem-v2,chardev=srv2', program: env.program('bring-up-wait'), arg: { timeoutMs: 60_000 } });
        try {
          await until(() => vm.log.includes('ready'), 'the guest bringing its device up', 60_000);
          expect(vm.device.v2!.interruptControl).to.equal(1);
          ring(ringer, vm.device, 1);
          expect(await vm.result, 'the vector the guest took').to.equal(1);
        } finally {
          await vm.terminate();
        }
      },
    },
    {
      name: 'migration: a master saves and loads its registers, MSI-X and the memory; a peer cannot migrate',
      async run(env) {
        const host = await env.host();
        host.addServer2({ id: 'srv2', size: '64K', outputSectionSize: '8K', maxPeers: 2, vectors: 2 });
        const master = host.realize('ivshmem-v2,chardev=srv2,master=auto');
        const peer = host.realize('ivshmem-v2,chardev=srv2');
        driver.enableDevice(master);
        listening(master);
        master.bar(0).write(V2.STATE, 4, 3);
        const state = master.save();
        expect(() => peer.save()).to.throw(QemuError, /peer mode/);
        master.reset();
        driver.enableDevice(master);
        expect(master.bar(0).read(V2.STATE, 4)).to.equal(0);
        master.load(state);
        driver.enableDevice(master);
        expect([master.bar(0).read(V2.STATE, 4), master.bar(0).read(V2.INT_CTRL, 4), peer.v2!.peerState(0)]).to.deep.equal([3, 1, 3]);
        expect(() => peer.load(state)).to.throw(QemuError, /not migratable/);
      },
    },
  ],
};
