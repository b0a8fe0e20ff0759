// The SDM relay's security and validation, tried from real WebSocket clients (ws) against real relay
// processes started the way a user starts them (`ivshmem-wasm sdm-relay`): one relay on its own,
// and a cluster of two relays on a real Redis broker (`--broker`), where each room's members sit
// on both relays (the master on the first, its slaves on the other) and the same rules hold.
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { until } from '../cases/helpers.ts';
import { startBroker, type BrokerProcess } from './broker-process.ts';
import { client, joined, signal, startRelay, type RawClient, type RelayProcess } from './sdm-relay-process.ts';

const setups = [
  { name: 'one relay', relays: 1 },
  { name: 'two relays on a Redis broker', relays: 2 },
];

describe.each(setups)('sdm-relay ($name): security and validation (real clients, real relay processes)', ({ relays: count }) => {
let broker: BrokerProcess | undefined;
let relays: RelayProcess[] = [];
let rated: RelayProcess[] = [];
beforeAll(async () => {
  broker = count > 1 ? await startBroker() : undefined;
  const cluster = broker ? ['--broker', broker.url] : [];
  const started = await Promise.all(Array.from({ length: count * 2 }, (_, i) => startRelay(i < count ? ['--max-clients', '3', ...cluster] : ['--max-fps', '50', '--max-burst', '20', ...cluster])));
  relays = started.slice(0, count);
  rated = started.slice(count);
}, 90_000);
afterAll(async () => {
  await Promise.all([...relays, ...rated].map((r) => r.stop()));
  await broker?.stop();
}, 30_000);
/** The relay the i-th client of a test goes to: in a cluster, not the master's. */
const at = (i: number, from = relays) => from[i % from.length].url;

let rooms = 0;
const room = () => `room-${++rooms}`;


async function group(from: RelayProcess[], name = room(), slaves = 1) {
  const master = client(at(0, from));
  expect(await joined(master, { room: name, token: 't0ken', role: 'master', maxSlaves: 4 })).toMatchObject({ type: 'welcome', id: 0 });
  const list: RawClient[] = [];
  for (let i = 0; i < slaves; i++) {
    const s = client(at(i + 1, from));
    expect(await joined(s, { room: name, token: 't0ken', role: 'slave' })).toMatchObject({ type: 'welcome', id: i + 1 });
    list.push(s);
  }
  // A master signals the slaves it has heard of (the members frame); in a cluster that news
  // comes through the broker, after the slave's own welcome.
  await until(() => master.text.some((t) => t.type === 'members' && (t.slaves as number[]).length === slaves), 'the master hearing of its slaves', 20_000);
  return { master, slaves: list, name };
}

const payloadOf = (bytes: Uint8Array) => Array.from(new Uint32Array(bytes.slice().buffer));

  test('listens on 127.0.0.1 only by default', async () => {
    for (const relay of relays) {
      expect(relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
      if (!external) return; // no other address on this machine to try from: the URL above is the check
      const c = client(`ws://${external.address}:${relay.port}`);
      await expect(c.opened).rejects.toThrow();
    }
  }, 30_000);

  test('browser Origins: only the allow-list (the dev server) gets in; clients without an Origin do', async () => {
    for (const { url } of relays) {
      expect(await client(url, 'http://evil.example').refusedWith).toBe(403);
      expect(await client(url, 'http://localhost:5174').refusedWith).toBe(403);
      await client(url, 'http://localhost:5173').opened;
      await client(url, 'http://127.0.0.1:5173').opened;
      await client(url).opened;
    }
  }, 30_000);

  test('a room is joined with its token; signals stay inside their room', async () => {
    const a = await group(relays);
    const b = await group(relays);
    const intruder = client(at(1));
    expect(await joined(intruder, { room: a.name, token: 'guess', role: 'slave' })).toMatchObject({ type: 'error', message: `wrong token for room '${a.name}'` });
    expect((await intruder.closed).code).toBe(4403);
    a.master.send(signal(0, 1, 0xaaaa, 1));
    b.master.send(signal(0, 1, 0xbbbb, 2));
    await until(() => a.slaves[0].signals.length === 1 && b.slaves[0].signals.length === 1, 'both signals', 20_000);
    expect(payloadOf(a.slaves[0].signals[0])).toEqual([0, 0, 0xaaaa, 1]);
    expect(payloadOf(b.slaves[0].signals[0])).toEqual([0, 0, 0xbbbb, 2]);
    // The relay names the sender to the master; a slave cannot pretend to be another.
    a.slaves[0].send(signal(0, 0, 5, 5));
    await until(() => a.master.signals.length === 1, 'the slave signal', 20_000);
    expect(payloadOf(a.master.signals[0])).toEqual([0, 1, 5, 5]);
    expect(b.master.signals).toEqual([]);
  }, 30_000);

  test('a slave id is held by one client at a time; a room refuses slaves beyond max_slaves and without a master', async () => {
    const name = room();
    const nobody = client(at(1));
    expect(await joined(nobody, { room: name, token: 'x', role: 'slave' })).toMatchObject({ type: 'error', message: `no master in room '${name}' yet`, final: false });
    const master = client(at(0));
    await joined(master, { room: name, token: 'x', role: 'master', maxSlaves: 1 });
    const first = client(at(1));
    expect(await joined(first, { room: name, token: 'x', role: 'slave', slave: 1 })).toMatchObject({ type: 'welcome', id: 1 });
    const second = client(at(2));
    expect(await joined(second, { room: name, token: 'x', role: 'slave', slave: 1 })).toMatchObject({ type: 'error', message: `slave id 1 is taken in room '${name}'` });
    const third = client(at(3));
    expect(await joined(third, { room: name, token: 'x', role: 'slave' })).toMatchObject({ type: 'error', message: `room '${name}' is full: max_slaves is 1` });
    const another = client(at(1));
    expect(await joined(another, { room: name, token: 'x', role: 'master', maxSlaves: 1 })).toMatchObject({ type: 'error', message: `room '${name}' already has a master` });
    // Once slave 1 leaves, its id is free again.
    first.ws.close();
    await until(() => master.text.some((t) => t.type === 'members' && (t.slaves as number[]).length === 0), 'the departure', 20_000);
    const fourth = client(at(2));
    expect(await joined(fourth, { room: name, token: 'x', role: 'slave', slave: 1 })).toMatchObject({ type: 'welcome', id: 1 });
  }, 30_000);

  test('clients per room are bounded (--max-clients 3)', async () => {
    const { name } = await group(relays, room(), 2);
    const fourth = client(at(1));
    expect(await joined(fourth, { room: name, token: 't0ken', role: 'slave' })).toMatchObject({ type: 'error', message: `room '${name}' has the maximum of 3 clients` });
  }, 30_000);

  test.each([
    ['a signal frame of 17 bytes', (c: RawClient) => c.send(new Uint8Array(17)), 4400],
    ['a 5000-byte frame', (c: RawClient) => c.send(new Uint8Array(5000)), 1009],
    ['an unknown signal type', (c: RawClient) => c.send(signal(2, 0)), 4400],
    ['a slave naming a slave', (c: RawClient) => c.send(signal(0, 2)), 4400],
    ['a control frame that is not JSON', (c: RawClient) => c.ws.send('{nope'), 4400],
    ['an unexpected control frame', (c: RawClient) => c.send({ type: 'max_slaves', value: 9 }), 4400],
  ])('%s drops that client and nobody else', async (_what, misbehave, code) => {
    const { master, slaves } = await group(relays, room(), 2);
    misbehave(slaves[0]);
    expect((await slaves[0].closed).code).toBe(code);
    master.send(signal(0, 2, 42, 0));
    await until(() => slaves[1].signals.length === 1, 'the other slave still served', 20_000);
    slaves[1].send(signal(1, 0, 7, 0));
    await until(() => master.signals.length === 1, 'the master still served', 20_000);
    expect(payloadOf(master.signals[0])).toEqual([1, 2, 7, 0]);
  }, 30_000);

  test('a master naming slave 0 or beyond 1024 is dropped; frames before joining are refused', async () => {
    const { master, slaves } = await group(relays, room(), 1);
    master.send(signal(0, 0));
    expect((await master.closed).code).toBe(4400);
    const early = client(at(1));
    await early.opened;
    early.send(signal(0, 0));
    expect((await early.closed).code).toBe(4400);
    const bad = client(at(1));
    await bad.opened;
    bad.send({ type: 'join', room: '../etc', token: 'x', role: 'master', maxSlaves: 1 });
    expect(await bad.closed).toEqual({ code: 4400, reason: 'a room name is 1 to 64 of A-Z a-z 0-9 . _ -' });
    expect(slaves[0].ws.readyState).toBe(WebSocket.OPEN);
  }, 30_000);

  test('frames are bounded (--max-fps 50 --max-burst 20): a flood drops the flooder only', async () => {
    const { master, slaves } = await group(rated, room(), 2);
    const started = performance.now();
    for (let i = 0; i < 200; i++) slaves[0].send(signal(0, 0, i, 0));
    expect((await slaves[0].closed).code).toBe(4429);
    const elapsed = performance.now() - started;
    slaves[1].send(signal(0, 0, 1, 2));
    await until(() => master.signals.some((s) => payloadOf(s)[1] === 2), 'the other slave still served', 20_000);
    // A burst of 20, and 50 more per second while the flood lasted (a loaded machine reads it in
    // several chunks, some milliseconds apart).
    expect(master.signals.filter((s) => payloadOf(s)[1] === 1).length).toBeLessThanOrEqual(21 + Math.ceil((50 * elapsed) / 1000));
  }, 30_000);
});
