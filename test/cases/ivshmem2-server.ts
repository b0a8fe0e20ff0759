// The ivshmem2-server and protocol version 2, as the QEMU RFC's contrib/ivshmem2-server and
// include/hw/misc/ivshmem2.h define them: INIT, EVENT_FD and PEER_GONE on the wire, the order of
// a greeting, the ID policy, virtio's back-end and front-end types, the server's options; and the
// device's side (hw/misc/ivshmem2.c's ivshmem_recv_setup and ivshmem_read) facing a server that
// breaks the protocol, with the RFC's messages.
import { expect } from 'chai';
import { QemuError, driver, type Handle, type Host, type Ivshmem2Server, type MessageSink, type ServerMessage } from '../../src/index.ts';
import { machineOf } from '../../src/host.ts';
import { eventFdMessage, frameMessage, initMessage, peerGoneMessage, type InitialInfo } from '../../src/server/ivshmem2-protocol.ts';
import { V2, v2Devices } from './ivshmem-v2.ts';
import { sameHolding } from './helpers.ts';
import type { CaseGroup } from './case.ts';

/** A message's le32 words after its header, with its type and length: what a C reader sees. */
function decoded(message: ServerMessage | undefined): number[] {
  const bytes = message?.bytes;
  if (!bytes) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getUint32(i * 4, true));
}

/** What the server sent each client, in order, decoded. */
function sent(server: { log: { event: string; peer: number; message?: ServerMessage }[] }, to: number) {
  return server.log.filter((e) => e.event === 'send' && e.peer === to).map((e) => ({ words: decoded(e.message), handle: e.message?.handle?.kind }));
}

const INIT = 0;
const EVENT_FD = 1;
const PEER_GONE = 2;

/** A chardev to a scripted version 2 server: it sends what `script` gives it, on connect. */
function scripted(host: Host, id: string, script: (memory: Handle, slot: number) => ServerMessage[]) {
  const machine = machineOf(host);
  const region = machine.allocate(0x10000, 'scripted');
  const slots = [machine.allocateEventfd(), machine.allocateEventfd()];
  let sink: MessageSink | undefined;
  host.addChardev({
    id,
    socket: `/tmp/${id}`,
    version: 2,
    isRunning: true,
    nextId: () => undefined,
    connect(s) {
      sink = s;
      for (const message of script({ kind: 'memory', offset: region.offset, size: 0x10000, path: id }, slots[0])) s.receive(message);
      return { id: 0, close() {} };
    },
  });
  return { send: (message: ServerMessage) => sink!.receive(message), slots };
}

const info = (changes: Partial<InitialInfo> = {}): InitialInfo => ({
  version: 2, compatibleVersion: 2, id: 0, maxPeers: 2, vectors: 1, protocol: 0, outputSectionSize: 0n, ...changes,
});

/** A version 2 message with the header given, for lengths and types no real server sends. */
function raw(type: number, len: number, words: number[]): ServerMessage {
  const bytes = new Uint8Array(8 + words.length * 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, len, true);
  words.forEach((word, i) => view.setUint32(8 + i * 4, word, true));
  return frameMessage(bytes);
}

export const ivshmem2Server: CaseGroup = {
  group: 'ivshmem2-server: protocol version 2, and the device facing a broken server',
  cases: [
    {
      name: 'INIT is the newcomer\'s first message: 40 bytes, version and compatible version 2, its ID, max peers, vectors, protocol, output section size, with the memory',
      async run(env) {
        const host = await env.host();
        const server = host.addServer2({ id: 'srv2', size: '64K', outputSectionSize: '8K', maxPeers: 4, vectors: 3, protocol: 0x0001 });
        host.realize('ivshmem-v2,chardev=srv2');
        const [init] = sent(server, 0);
        expect(init.words).to.deep.equal([INIT, 40, 2, 2, 0, 4, 3, 0x0001, 0x2000, 0]);
        expect(init.handle).to.equal('memory');
        const memory = server.log.find((e) => e.event === 'send')!.message!.handle as Handle & { kind: 'memory' };
        expect(memory.size).to.equal(0x10000);
      },
    },
    {
      name: 'a greeting in ivshmem-server\'s order: INIT, every peer\'s EVENT_FDs, its own last; the others get the newcomer\'s',
      async run(env) {
        const host = await env.host();
        const server = host.addServer2({ id: 'srv2', size: '64K', maxPeers: 3, vectors: 2 });
        host.realize('ivshmem-v2,chardev=srv2');
        host.realize('ivshmem-v2,chardev=srv2');
        const toOne = sent(server, 1).map(({ words, handle }) => [words[0], words[1], words[2], words[3], handle]);
        expect(toOne.slice(1)).to.deep.equal([
          [EVENT_FD, 16, 0, 0, 'eventfd'], [EVENT_FD, 16, 0, 1, 'eventfd'],
          [EVENT_FD, 16, 1, 0, 'eventfd'], [EVENT_FD, 16, 1, 1, 'eventfd'],
        ]);
        const toZero = sent(server, 0).slice(3).map(({ words }) => words.slice(0, 4));
        expect(toZero).to.deep.equal([[EVENT_FD, 16, 1, 0], [EVENT_FD, 16, 1, 1]]);
      },
    },
    {
      name: 'IDs: the lowest free one below max peers (a departed peer\'s ID comes back at once); one more client is refused',
      async run(env) {
        const host = await env.host();
        host.addServer2({ id: 'srv2', size: '64K', maxPeers: 3 });
        const devices = [0, 1, 2].map(() => host.realize('ivshmem-v2,chardev=srv2'));
        expect(devices.map((d) => d.ivPosition)).to.deep.equal([0, 1, 2]);
        devices[1].unrealize();
        expect(host.realize('ivshmem-v2,chardev=srv2').ivPosition).to.equal(1);
        const before = host.resources();
        expect(() => host.realize('ivshmem-v2,chardev=srv2')).to.throw(QemuError, /cannot allocate new client id/);
        sameHolding(host, before);
        // the others keep their link (the RFC's server would stop here: docs/ivshmem-v2.md)
        expect(devices[0].peers().map((p) => p.id).sort(), 'the peers device 0 knows').to.deep.equal([0, 1, 2]);
        expect(devices[0].internals.client!.serverGone, 'device 0 still has its server').to.equal(false);
      },
    },
    {
      name: 'virtio: peer 0 is told the back-end type (bit 14 set), the other the front-end type, and only 2 peers may join',
      async run(env) {
        const host = await env.host();
        host.addServer2({ id: 'srv2', size: '64K', maxPeers: 2, protocol: 0x8003 });
        const back = host.realize('ivshmem-v2,chardev=srv2');
        const front = host.realize('ivshmem-v2,chardev=srv2');
        const protocol = (device: typeof back) => (device.config.read(0x08, 4) >>> 8) & 0xffff;
        expect([protocol(back), protocol(front)]).to.deep.equal([0xc003, 0x8003]);
        expect(() => host.addServer2({ id: 'bad', socket: '/tmp/bad', shm: 'bad', maxPeers: 3, protocol: 0xc001 })).to.throw(QemuError, 'virtio protocols only support 2 peers');
      },
    },
    {
      name: 'the server\'s options: its messages for bad ones, and nothing is taken',
      async run(env) {
        const host = await env.host();
        const before = host.resources();
        const bad: [Parameters<Host['addServer2']>[0], RegExp][] = [
          [{ id: 'a', vectors: 65 }, /^too many requested vectors \(max is 64\)$/],
          [{ id: 'a', vectors: 1.5 }, /^cannot parse vectors$/],
          [{ id: 'a', maxPeers: -1 }, /^cannot parse max-peers$/],
          [{ id: 'a', protocol: Number.NaN }, /^cannot parse protocol$/],
          [{ id: 'a', outputSectionSize: '8Q' }, /^Parameter 'output_section_size' expects a non-negative number below 2\^64$/],
          [{ id: 'a', maxPeers: 1025 }, /state table/],
          [{ id: 'a', maxPeers: 1 }, /2 to 1024/],
          [{ id: 'a', protocol: 0x10000 }, /16-bit/],
        ];
        for (const [options, message] of bad) {
          expect(() => host.addServer2(options), JSON.stringify(options)).to.throw(QemuError, message);
        }
        expect(host.resources()).to.deep.equal(before);
      },
    },
    {
      name: 'a departure is one PEER_GONE (12 bytes) to everyone left, after its state table entry went back to 0',
      async run(env) {
        const host = await env.host();
        const [a, b, c] = v2Devices(host, 3);
        const server = machineOf(host).servers.get('srv2') as Ivshmem2Server;
        const table = new DataView(server.bytes.buffer, server.bytes.byteOffset, 0x1000);
        b.bar(0).write(V2.STATE, 4, 3);
        expect(table.getUint32(4, true), 'the server\'s own view of the state table').to.equal(3);
        b.unrealize();
        expect(table.getUint32(4, true)).to.equal(0);
        expect(sent(server, 0).at(-1)!.words).to.deep.equal([PEER_GONE, 12, 1]);
        expect(sent(server, 2).at(-1)!.words).to.deep.equal([PEER_GONE, 12, 1]);
        expect(a.bar(2).read(4, 4)).to.equal(0);
        expect(c.peers().map((p) => p.id)).to.deep.equal([0, 2]);
      },
    },
    {
      name: 'the protocols do not mix: a version 0 device reads INIT\'s first 8 bytes as a version, no ivshmem-client speaks version 2',
      async run(env) {
        const host = await env.host();
        host.addServer2({ id: 'srv2', size: '64K' });
        const before = host.resources();
        // INIT's {le32 0, le32 40} as an int64: 40 << 32
        expect(() => host.realize('ivshmem-doorbell,chardev=srv2')).to.throw(QemuError, /^server sent version 171798691840, expecting 0$/);
        expect(() => host.connectClient('srv2')).to.throw(QemuError, /version 2/);
        sameHolding(host, before);
      },
    },
    {
      name: 'the protocol trace shows INIT, EVENT_FD and PEER_GONE for what they are',
      async run(env) {
        const host = await env.host();
        host.trace.start();
        const [, b] = v2Devices(host, 2);
        b.unrealize();
        const texts = host.trace.drain().filter((e) => e.kind === 'server').map((e) => `${e.device}: ${e.text}`);
        host.trace.stop();
        expect(texts).to.deep.equal([
          '0: INIT, ID 0', '0: eventfd 0/0', '0: eventfd 0/1',
          '1: INIT, ID 1', '0: eventfd 1/0', '0: eventfd 1/1', '1: eventfd 0/0', '1: eventfd 0/1', '1: eventfd 1/0', '1: eventfd 1/1',
          '0: peer 1 gone',
        ]);
      },
    },
    {
      name: 'a broken INIT fails realize with the RFC\'s words and changes nothing',
      async run(env) {
        const host = await env.host();
        const cases: [string, (memory: Handle, slot: number) => ServerMessage[], RegExp][] = [
          ['a version 0 message', () => [{ value: 0n }], /^server sent invalid initial info$/],
          ['a short INIT', () => [raw(INIT, 36, [2, 2, 0, 2, 1, 0, 0])], /^server sent invalid initial info$/],
          ['an EVENT_FD first', (_m, slot) => [eventFdMessage(0, 0, slot)], /^server sent invalid initial info$/],
          ['another version', (m) => [initMessage(info({ compatibleVersion: 3 }), m)], /^server sent compatible version 3, expecting 2$/],
          ['an ID beyond 16 bits', (m) => [initMessage(info({ id: 70000 }), m)], /^server sent invalid ID$/],
          ['no memory', () => [initMessage(info(), undefined as never)], /^can't determine size of shared memory sent by server/],
          ['no vectors', (m) => [initMessage(info({ vectors: 0 }), m)], /^server sent invalid number of vectors message$/],
          ['output sections beyond the memory', (m) => [initMessage(info({ maxPeers: 2, outputSectionSize: 0x8000n }), m)], /^Invalid output section size, shared memory too small$/],
          ['nothing after connecting', () => [], /Connection reset by peer/],
        ];
        cases.forEach(([what, script], i) => scripted(host, `evil${i}`, script));
        const before = host.resources();
        cases.forEach(([what, , message], i) => {
          expect(() => host.realize(`ivshmem-v2,chardev=evil${i}`), what).to.throw(QemuError, message);
        });
        sameHolding(host, before);
      },
    },
    {
      name: 'after INIT, bad messages are reported with the RFC\'s words and change nothing; good ones still work',
      async run(env) {
        const host = await env.host();
        const evil = scripted(host, 'evil', (memory, slot) => [initMessage(info({ vectors: 2 }), memory), eventFdMessage(0, 0, slot)]);
        const device = host.realize('ivshmem-v2,chardev=evil');
        driver.enableDevice(device);
        const messages: [ServerMessage, string][] = [
          [eventFdMessage(0, 2, evil.slots[1]), 'Received vector 2 out of order'],
          [raw(EVENT_FD, 12, [0]), 'Invalid eventfd message size'],
          [raw(PEER_GONE, 8, []), 'Invalid peer-gone message size'],
          [peerGoneMessage(0), 'invalid peer 0'],
          [peerGoneMessage(16), 'invalid peer 16'],
          [raw(7, 12, [1]), 'invalid message, type 7'],
          [{ value: 5n }, 'invalid message, type 5'],
        ];
        for (const [message] of messages) evil.send(message);
        expect(device.internals.client!.errors).to.deep.equal(messages.map(([, error]) => error));
        expect(device.peers()).to.deep.equal([{ id: 0, vectors: 1 }]);
        evil.send(eventFdMessage(0, 1, evil.slots[1]));
        evil.send(eventFdMessage(20, 0, evil.slots[1]));
        expect(device.peers()).to.deep.equal([{ id: 0, vectors: 2 }, { id: 20, vectors: 1 }]);
        evil.send(peerGoneMessage(18));
        expect(device.internals.client!.errors.length, 'peer 18 is below the table the RFC grew to 21').to.equal(messages.length);
      },
    },
  ],
};
