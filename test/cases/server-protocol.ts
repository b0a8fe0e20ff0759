// The ivshmem-server: message order to new and existing clients, the ID policy, peers leaving,
// the server stopping; and the device checking every message of a server that misbehaves.
import { expect } from 'chai';
import { QemuError, type Host, type MessageSink, type ServerMessage } from '../../src/index.ts';
import { driver, liveSlot, scripted } from './helpers.ts';
import type { CaseGroup } from './case.ts';
import { machineOf } from '../../src/host.ts';

/** A client that only records what it is sent (what ivshmem-client prints with -v). */
function recorder() {
  const got: { value: bigint; kind?: string }[] = [];
  const sink: MessageSink = {
    receive: (m) => got.push({ value: m.value, kind: m.handle?.kind }),
    hangup: () => got.push({ value: -999n, kind: 'hangup' }),
  };
  return { got, sink };
}

const ev = (value: number) => ({ value: BigInt(value), kind: 'eventfd' });

/** Version, ID, then `before` (still part of the synchronous setup), then the memory. */
function legitimateStart(host: Host, sink: MessageSink, id = 0, before: () => void = () => {}) {
  const region = machineOf(host).allocate(1 << 20, 'test');
  sink.receive({ value: 0n });
  sink.receive({ value: BigInt(id) });
  before();
  sink.receive({ value: -1n, handle: { kind: 'memory', offset: region.offset, size: 1 << 20, path: '/dev/shm/test' } });
}

async function expectRefused(env: Parameters<CaseGroup['cases'][0]['run']>[0], script: (host: Host, sink: MessageSink) => void, message: string | RegExp) {
  const host = await env.host();
  const state = scripted(host, 'evil', (sink) => script(host, sink));
  const before = host.devices.length;
  expect(() => host.realize('ivshmem-doorbell,chardev=evil,vectors=2')).to.throw(QemuError, message);
  expect(host.devices.length, 'no device was added').to.equal(before);
  expect(state.closed, 'the device hung up').to.equal(true);
}

export const serverProtocol: CaseGroup = {
  group: 'ivshmem-server protocol',
  cases: [
    {
      name: 'a new client gets version, ID, memory, every peer\'s eventfds, then its own',
      async run(env) {
        const host = await env.host();
        const server = host.addServer({ id: 'srv', size: '1M', vectors: 2 });
        const c0 = recorder();
        const c1 = recorder();
        const c2 = recorder();
        server.connect(c0.sink);
        server.connect(c1.sink);
        server.connect(c2.sink);
        const start = (id: number) => [{ value: 0n, kind: undefined }, { value: BigInt(id), kind: undefined }, { value: -1n, kind: 'memory' }];
        expect(c2.got).to.deep.equal([...start(2), ev(0), ev(0), ev(1), ev(1), ev(2), ev(2)]);
        expect(c1.got).to.deep.equal([...start(1), ev(0), ev(0), ev(1), ev(1), ev(2), ev(2)]);
        expect(c0.got).to.deep.equal([...start(0), ev(0), ev(0), ev(1), ev(1), ev(2), ev(2)]);
        const sendsBeforeC2 = server.log.filter((e) => e.event === 'send').findIndex((e) => e.peer === 2);
        const log = server.log.filter((e) => e.event === 'send').map((e) => e.text);
        expect(log.slice(sendsBeforeC2, sendsBeforeC2 + 3)).to.deep.equal(['to 2: 0', 'to 2: 2', `to 2: -1 + shm /dev/shm/ivshmem`]);
        expect(log.slice(sendsBeforeC2 + 3, sendsBeforeC2 + 7).map((t) => t.slice(0, 7)), '(b) newcomer to the others first')
          .to.deep.equal(['to 0: 2', 'to 0: 2', 'to 1: 2', 'to 1: 2']);
        expect(server.log.filter((e) => e.event === 'send' && e.peer === 2).map((e) => e.meaning)).to.deep.equal([
          'protocol version', 'your ID', 'the shared memory', 'peer 0 vector 0', 'peer 0 vector 1',
          'peer 1 vector 0', 'peer 1 vector 1', 'your vector 0', 'your vector 1',
        ]);
      },
    },
    {
      name: 'the eventfds a client receives for a peer are the peer\'s own, in vector order',
      async run(env) {
        const host = await env.host();
        const server = host.addServer({ id: 'srv', size: '1M', vectors: 3 });
        const a = recorder();
        const slots: number[] = [];
        server.connect({ receive: (m) => { if (m.value === 1n && m.handle?.kind === 'eventfd') slots.push(m.handle.slot); }, hangup() {} });
        server.connect(a.sink);
        expect(slots).to.deep.equal(server.eventfdsOf(1));
      },
    },
    {
      name: 'IDs come from a counter that moves on: a freed ID is not reused until the counter wraps',
      async run(env) {
        const host = await env.host();
        const server = host.addServer({ id: 'srv', size: '1M', idSpace: 4 });
        const conns = [0, 1, 2].map(() => server.connect(recorder().sink));
        expect(conns.map((c) => c.id)).to.deep.equal([0, 1, 2]);
        conns[1].close();
        expect(server.connect(recorder().sink).id, 'not 1').to.equal(3);
        expect(server.connect(recorder().sink).id, 'wrapped: 0 taken, 1 free').to.equal(1);
        expect(() => server.connect(recorder().sink)).to.throw(QemuError, 'cannot allocate new client id');
        expect(server.log.at(-1)!.text).to.equal('cannot allocate new client id');
      },
    },
    {
      name: 'a client leaving: the others hear its ID without a handle and stop ringing it',
      async run(env) {
        const host = await env.host();
        const server = host.addServer({ id: 'srv', size: '1M', vectors: 1 });
        const a = host.realize('ivshmem-doorbell,chardev=srv');
        const b = host.realize('ivshmem-doorbell,chardev=srv');
        const watcher = recorder();
        server.connect(watcher.sink);
        driver.bringUpDoorbell(a);
        driver.bringUpDoorbell(b);
        expect(a.peers().map((p) => p.id)).to.deep.equal([0, 1, 2]);
        b.unrealize();
        expect(watcher.got.at(-1)).to.deep.equal({ value: 1n, kind: undefined });
        expect(a.peers().map((p) => p.id)).to.deep.equal([0, 2]);
        expect(server.peerIds).to.deep.equal([0, 2]);
        // b's block goes to the next device: a doorbell to the departed ID must not reach it.
        const c = host.realize('ivshmem-doorbell,chardev=srv');
        driver.bringUpDoorbell(c);
        driver.ring(a, 1, 0);
        expect(c.interrupts.delivered(0)).to.equal(0);
        driver.ring(a, 0, 0);
        expect(a.interrupts.delivered(0), 'the rest keeps working').to.equal(1);
      },
    },
    {
      name: 'when the server stops it frees its clients in connection order, telling the remaining ones each time; nobody new can join',
      async run(env) {
        // contrib/ivshmem-server's ivshmem_server_close: ivshmem_server_free_peer for each peer in
        // list order (hang up, then "peer N" without an fd to every one still connected)
        const host = await env.host();
        const server = host.addServer({ id: 'srv', size: '1M' });
        const a = host.realize('ivshmem-doorbell,chardev=srv');
        const b = host.realize('ivshmem-doorbell,chardev=srv');
        const client = host.connectClient('srv');
        driver.bringUpDoorbell(a);
        driver.bringUpDoorbell(b);
        server.stop();
        expect(a.peers().map((p) => p.id), 'a went first: it still lists everyone').to.deep.equal([0, 1, 2]);
        expect(b.peers().map((p) => p.id), 'b was told a is gone').to.deep.equal([1, 2]);
        expect(client.output.slice(-1), 'the sample client says so and frees its peers').to.deep.equal(['disconnected from server']);
        expect(client.peers.size).to.equal(0);
        driver.ring(a, b.ivPosition, 0);
        expect(b.interrupts.delivered(0), 'a still holds b\'s eventfd').to.equal(1);
        driver.ring(b, a.ivPosition, 0);
        expect(a.interrupts.delivered(0), 'b let go of a\'s').to.equal(0);
        expect(server.log.filter((e) => e.event === 'disconnect').map((e) => e.peer)).to.deep.equal([0, 1, 2]);
        expect(() => host.realize('ivshmem-doorbell,chardev=srv')).to.throw(QemuError, /Connection refused/);
        expect(a.internals.client!.serverGone).to.equal(true);
      },
    },
    {
      name: 'the server rounds its size up to a power of two and shares it as /dev/shm/NAME',
      async run(env) {
        const host = await env.host();
        const server = host.addServer({ id: 'srv', size: '3M', shm: 'frames' });
        expect(server.size).to.equal(4 << 20);
        host.addObject('memory-backend-file,id=f,size=4M,share=on,mem-path=/dev/shm/frames');
        const plain = host.realize('ivshmem-plain,memdev=f');
        const bell = host.realize('ivshmem-doorbell,chardev=srv');
        plain.bar(2).bytes![100] = 7;
        expect(bell.bar(2).bytes![100], 'a plain device and a doorbell device on the same memory').to.equal(7);
        expect(() => host.addServer({ id: 'big', size: '2G', socket: '/tmp/b', shm: 'b' })).to.throw(QemuError, /above 1G/);
        expect(() => host.addServer({ id: 'v', vectors: 65, socket: '/tmp/v', shm: 'v' })).to.throw(QemuError, /1 to 64/);
        expect(() => host.addServer({ id: 'sock', size: '1M', shm: 'other' })).to.throw(QemuError, /Address already in use/);
      },
    },
    {
      name: 'device: wrong version, and a version with a handle, are refused',
      async run(env) {
        await expectRefused(env, (_h, s) => s.receive({ value: 1n }), 'server sent version 1, expecting 0');
        await expectRefused(env, (h, s) => s.receive({ value: 0n, handle: { kind: 'eventfd', slot: liveSlot(h) } }), 'server sent invalid version message');
      },
    },
    {
      name: 'device: an ID with a handle, negative or above 65535 is refused',
      async run(env) {
        for (const bad of [-1n, 65536n]) {
          await expectRefused(env, (_h, s) => { s.receive({ value: 0n }); s.receive({ value: bad }); }, 'server sent invalid ID message');
        }
        await expectRefused(env, (h, s) => { s.receive({ value: 0n }); s.receive({ value: 3n, handle: { kind: 'eventfd', slot: liveSlot(h) } }); }, 'server sent invalid ID message');
      },
    },
    {
      name: 'device: messages below -1 or above 65535, memory without a handle, EOF in setup',
      async run(env) {
        await expectRefused(env, (_h, s) => { s.receive({ value: 0n }); s.receive({ value: 0n }); s.receive({ value: -2n }); }, 'server sent invalid message -2');
        await expectRefused(env, (_h, s) => { s.receive({ value: 0n }); s.receive({ value: 0n }); s.receive({ value: 65536n }); }, 'server sent invalid message 65536');
        await expectRefused(env, (_h, s) => { s.receive({ value: 0n }); s.receive({ value: 0n }); s.receive({ value: -1n }); }, "server didn't provide fd with shared memory message");
        await expectRefused(env, (_h, s) => { s.receive({ value: 0n }); s.receive({ value: 0n }); }, /read from server failed/);
        await expectRefused(env, (_h, s) => s.receive({ value: 0 } as unknown as ServerMessage), /read from server failed: malformed message/);
      },
    },
    {
      name: 'device: too many eventfds for a peer, disconnecting oneself, a second memory',
      async run(env) {
        await expectRefused(env, (h, s) => legitimateStart(h, s, 0, () => {
          for (let i = 0; i < 3; i++) s.receive({ value: 5n, handle: { kind: 'eventfd', slot: liveSlot(h) } });
        }), 'Too many eventfd received, device has 2 vectors');
        const host = await env.host();
        let sink!: MessageSink;
        scripted(host, 'evil', (s) => { sink = s; legitimateStart(host, s, 3); });
        const dev = host.realize('ivshmem-doorbell,chardev=evil,vectors=2');
        sink.receive({ value: 3n });
        sink.receive({ value: -1n, handle: { kind: 'memory', offset: dev.sharedMemory!.offset, size: 4096, path: 'x' } });
        for (let i = 0; i < 3; i++) sink.receive({ value: 4n, handle: { kind: 'eventfd', slot: liveSlot(host) } });
        // After setup QEMU reports a bad message (error_report) and carries on.
        expect(dev.internals.client!.errors).to.deep.equal([
          'invalid peer 3', 'server sent unexpected shared memory message', 'Too many eventfd received, device has 2 vectors',
        ]);
        expect(dev.peers()).to.deep.equal([{ id: 4, vectors: 2 }]);
        expect(dev.ivPosition, 'the device keeps running').to.equal(3);
      },
    },
    {
      name: 'device: hostile handles (dead or out-of-range eventfds, memory outside) are refused',
      async run(env) {
        await expectRefused(env, (h, s) => legitimateStart(h, s, 0, () => s.receive({ value: 1n, handle: { kind: 'eventfd', slot: 4095 } })), /invalid eventfd handle/);
        await expectRefused(env, (h, s) => legitimateStart(h, s, 0, () => s.receive({ value: 1n, handle: { kind: 'eventfd', slot: 1e9 } })), /invalid eventfd handle/);
        await expectRefused(env, (_h, s) => {
          s.receive({ value: 0n }); s.receive({ value: 0n });
          s.receive({ value: -1n, handle: { kind: 'memory', offset: 2 ** 31, size: 1 << 20, path: 'x' } });
        }, /invalid shared memory handle/);
      },
    },
    {
      name: 'the log records every message, and is bounded',
      async run(env) {
        const host = await env.host();
        const server = host.addServer({ id: 'srv', size: '1M', logLimit: 3 });
        host.realize('ivshmem-doorbell,chardev=srv');
        expect(server.logDropped, 'connect, version, ID, memory, own eventfd').to.equal(2);
        expect(server.log.map((e) => e.seq)).to.deep.equal([2, 3, 4]);
        expect(server.log.map((e) => e.text)).to.deep.equal(['to 0: 0', 'to 0: -1 + shm /dev/shm/ivshmem', 'to 0: 0 + eventfd 0']);
      },
    },
  ],
};
