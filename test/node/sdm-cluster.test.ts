// The relay as a cluster: three relay processes on a real Redis broker (redis-server on loopback),
// rooms whose members sit on different relays. Ids claimed at once on two relays, a relay killed
// with SIGKILL in the middle of traffic (its devices move to another relay and keep their ids;
// nothing is delivered twice; only what the README says can be lost is), a dead relay's ids
// released within the lease, the broker restarted under the relays, hostile clients at every
// relay. The rules themselves are sdm-relay.test.ts's, which runs against a cluster too.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Host, type Device } from '../../src/index.ts';
import { until } from '../cases/helpers.ts';
import { driverOf, SDM_IRQ } from './sdm-fixture.ts';
import { startBroker, type BrokerProcess } from './broker-process.ts';
import { client, joined, signal, startRelay, type RawClient, type RelayProcess } from './sdm-relay-process.ts';

/** The lease the relays are started with: a dead relay's ids are free again within it and one renewal. */
const LEASE_MS = 1000;

let broker: BrokerProcess;
let relays: RelayProcess[] = [];
const hosts: Host[] = [];

async function startCluster(): Promise<void> {
  relays = await Promise.all([0, 1, 2].map(() => startRelay(['--broker', broker.url, '--lease', String(LEASE_MS), '--max-fps', '1000', '--stats-every', '100'])));
}

beforeAll(async () => {
  broker = await startBroker();
  await startCluster();
}, 90_000);
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.shutdown()));
});
afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  await broker?.stop();
}, 30_000);

let rooms = 0;
const room = () => `cluster-${++rooms}`;


const lastMembers = (c: RawClient) => c.text.findLast((t) => t.type === 'members' || t.type === 'welcome') as { slaves: number[]; master: boolean } | undefined;

async function device(url: string, fallback: string[], name: string, spec: string): Promise<{ host: Host; device: Device }> {
  const host = await Host.create({ memory: '32M' });
  hosts.push(host);
  host.addSdmSocket({ id: 'relay', url, fallback, room: name, token: 'cluster-token' });
  const d = host.realize(`${spec},chardev=relay`);
  await d.sdm!.channel!.ready;
  return { host, device: d };
}

/** A master device on the first relay and a slave device on the second, both drivers set up. */
async function pair(name: string, maxSlaves: number) {
  const { host: a, device: master } = await device(relays[0].url, [], name, `virtio-sdm,id=m,master=on,max_slaves=${maxSlaves}`);
  const { host: b, device: slave } = await device(relays[1].url, [], name, 'virtio-sdm,id=s');
  await until(() => master.sdm!.currentSlaves === 1, 'the master seeing its slave', 20_000);
  const m = driverOf(a, master);
  const s = driverOf(b, slave);
  m.setup();
  s.setup();
  return { master, slave, m, s };
}

describe('sdm-relay cluster: three relays on a Redis broker', () => {
  test('ids claimed at the same moment on two relays: each id once, the rest refused; one master', async () => {
    const name = room();
    const masters = [client(relays[0].url), client(relays[1].url)];
    const answers = await Promise.all(masters.map((m) => joined(m, { room: name, token: 't', role: 'master', maxSlaves: 6 })));
    expect(answers.filter((a) => a.type === 'welcome')).toHaveLength(1);
    expect(answers.filter((a) => a.type === 'error').map((a) => a.message)).toEqual([`room '${name}' already has a master`]);
    const slaves = Array.from({ length: 12 }, (_, i) => client(relays[i % 2].url));
    const welcomes = await Promise.all(slaves.map((s) => joined(s, { room: name, token: 't', role: 'slave' })));
    const ids = welcomes.filter((w) => w.type === 'welcome').map((w) => w.id as number).sort((a, b) => a - b);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6]);
    expect(welcomes.filter((w) => w.type === 'error').map((w) => w.message)).toEqual(Array(6).fill(`room '${name}' is full: max_slaves is 6`));
    // The same id asked for on two relays at once: one gets it.
    const rival = [client(relays[1].url), client(relays[2].url)];
    const leaving = welcomes.findIndex((w) => w.type === 'welcome');
    slaves[leaving].ws.close();
    const first = welcomes[leaving].id as number;
    const master = masters[answers.findIndex((a) => a.type === 'welcome')];
    await until(() => !(lastMembers(master)?.slaves ?? []).includes(first), 'the id released', 20_000);
    const claims = await Promise.all(rival.map((r) => joined(r, { room: name, token: 't', role: 'slave', slave: first })));
    expect(claims.map((c) => c.type).sort()).toEqual(['error', 'welcome']);
  }, 60_000);

  test('signals both ways between devices on different relays; hostile clients at every relay change nothing for them', async () => {
    const name = room();
    const { master, slave, m, s } = await pair(name, 2);
    for (const relay of relays) {
      const garbage = client(relay.url);
      await garbage.opened;
      garbage.ws.send('{"type":"join","room":"../x"}');
      expect((await garbage.closed).code).toBe(4400);
      const flooder = client(relay.url);
      await joined(flooder, { room: room(), token: 'x', role: 'master', maxSlaves: 1 });
      for (let i = 0; i < 5000; i++) flooder.send(signal(0, 1, i, 0));
      expect((await flooder.closed).code).toBe(4429);
    }
    for (let round = 1; round <= 5; round++) {
      m.irq(1, [round, 0xaa]);
      let got;
      await until(() => (got = s.poll()) !== undefined, 'the IRQ across relays', 20_000);
      expect(got).toEqual({ type: SDM_IRQ, slave: 0, payload: [round, 0xaa] });
      s.irq(0, [round, 0xbb]);
      await until(() => (got = m.poll()) !== undefined, 'the reply across relays', 20_000);
      expect(got).toEqual({ type: SDM_IRQ, slave: 1, payload: [round, 0xbb] });
    }
    // Each relay counted its cuts (its figures are printed every 100 ms).
    for (const relay of relays) await until(() => (relay.stats()?.closes.relay[4400] ?? 0) > 0 && (relay.stats()?.closes.relay[4429] ?? 0) > 0, 'the cuts counted', 20_000);
  }, 90_000);

  test("a dead relay's ids are free again within the lease", async () => {
    const name = room();
    const doomed = await startRelay(['--broker', broker.url, '--lease', String(LEASE_MS)]);
    const master = client(relays[0].url);
    await joined(master, { room: name, token: 't', role: 'master', maxSlaves: 2 });
    const slave = client(doomed.url);
    expect(await joined(slave, { room: name, token: 't', role: 'slave' })).toMatchObject({ type: 'welcome', id: 1 });
    await until(() => (lastMembers(master)?.slaves ?? []).includes(1), 'the master hearing of slave 1', 20_000);
    // The id is a holding with a lease on the broker's own clock (no wall clock in this test, which
    // a loaded machine would stretch): once nobody renews it, it runs out within the lease, and its
    // expiry releases the id.
    const holding = `sdm:{${name}}:s:1`;
    const left = await broker.command(['PTTL', holding]);
    expect(typeof left === 'number' && left > 0 && left <= LEASE_MS, `PTTL ${left}`).toBe(true);
    doomed.child.kill('SIGKILL');
    await until(() => !(lastMembers(master)?.slaves ?? [1]).includes(1), 'slave 1 released', 20_000);
    expect(await broker.command(['EXISTS', holding])).toBe(0);
    const next = client(relays[2].url);
    expect(await joined(next, { room: name, token: 't', role: 'slave' })).toMatchObject({ type: 'welcome', id: 1 });
  }, 60_000);

  test('a relay shut down (SIGTERM) gives its ids back at once, not at the end of its lease', async () => {
    const name = room();
    const leaving = await startRelay(['--broker', broker.url, '--lease', '120000']);
    const master = client(relays[0].url);
    await joined(master, { room: name, token: 't', role: 'master', maxSlaves: 2 });
    const slave = client(leaving.url);
    expect(await joined(slave, { room: name, token: 't', role: 'slave' })).toMatchObject({ type: 'welcome', id: 1 });
    await until(() => (lastMembers(master)?.slaves ?? []).includes(1), 'the master hearing of slave 1', 20_000);
    await leaving.stop();
    // Within the test's budget, far below the 120 s lease.
    await until(() => !(lastMembers(master)?.slaves ?? [1]).includes(1), 'slave 1 given back', 20_000);
  }, 60_000);

  test("a master's max_slaves reaches its slaves on other relays, and bounds the ids given there", async () => {
    const name = room();
    const master = client(relays[0].url);
    await joined(master, { room: name, token: 't', role: 'master', maxSlaves: 1 });
    const first = client(relays[1].url);
    expect(await joined(first, { room: name, token: 't', role: 'slave' })).toMatchObject({ type: 'welcome', id: 1 });
    const refused = client(relays[2].url);
    expect(await joined(refused, { room: name, token: 't', role: 'slave' })).toMatchObject({ type: 'error', message: `room '${name}' is full: max_slaves is 1` });
    master.send({ type: 'max_slaves', value: 3 });
    await until(() => first.text.some((t) => t.type === 'members' && t.maxSlaves === 3), 'the new max_slaves on the other relay', 20_000);
    const second = client(relays[2].url);
    expect(await joined(second, { room: name, token: 't', role: 'slave' })).toMatchObject({ type: 'welcome', id: 2, maxSlaves: 3 });
  }, 60_000);

  test('a relay killed mid-traffic: its device moves to another relay and keeps its id; nothing is delivered twice', async () => {
    const name = room();
    const doomed = await startRelay(['--broker', broker.url, '--lease', String(LEASE_MS)]);
    const { host: a, device: master } = await device(relays[0].url, [], name, 'virtio-sdm,id=m,master=on,max_slaves=2');
    const { host: b, device: slave } = await device(doomed.url, [relays[2].url], name, 'virtio-sdm,id=s');
    await until(() => master.sdm!.currentSlaves === 1, 'the master seeing its slave', 20_000);
    const m = driverOf(a, master);
    const s = driverOf(b, slave);
    m.setup();
    s.setup();
    const toSlave: number[] = [];
    const toMaster: number[] = [];
    let sent = 0;
    let killedAt = -1;
    let rejoinedAt = -1;
    // Rounds in which each side sends one numbered IRQ and takes what has arrived: the relay is
    // killed once 100 have arrived each way (however slowly a loaded machine passes them), and 250
    // rounds follow.
    for (let seq = 1; killedAt < 0 ? seq <= 2000 : seq < killedAt + 250; seq++) {
      if (killedAt < 0 && toSlave.length >= 100 && toMaster.length >= 100) {
        doomed.child.kill('SIGKILL');
        killedAt = seq;
      }
      if (killedAt > 0 && rejoinedAt < 0 && slave.sdm!.channel!.reconnects === 1) rejoinedAt = seq;
      m.irq(1, [seq, 0]);
      s.irq(0, [seq, 1]);
      sent = seq;
      for (let got = s.poll(); got; got = s.poll()) toSlave.push(got.payload[0]);
      for (let got = m.poll(); got; got = m.poll()) toMaster.push(got.payload[0]);
      // Pacing, not a wait: a signal each way every few ms while the relay is killed and the
      // slave moves; what the test waits for is awaited with until() below.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await until(() => slave.sdm!.channel!.reconnects === 1, 'the slave back on another relay', 30_000);
    await until(() => {
      for (let got = s.poll(); got; got = s.poll()) toSlave.push(got.payload[0]);
      for (let got = m.poll(); got; got = m.poll()) toMaster.push(got.payload[0]);
      return toSlave.at(-1) === sent && toMaster.at(-1) === sent;
    }, 'the last signals both ways', 30_000);
    expect(slave.sdm!.id).toBe(1);
    expect(slave.sdm!.channel!.url).toBe(relays[2].url + '/');
    // Nothing twice, nothing out of order.
    for (const list of [toSlave, toMaster]) expect(list).toEqual([...new Set(list)].sort((x, y) => x - y));
    // Lost, in each direction: what the dead relay had taken and not forwarded (the signals just
    // before the kill: one run, since a relay forwards in order, however long a starved relay held
    // them), what was sent after the kill until the slave was back; and what the receiving device
    // dropped and counted (its lane holds 16 signals per sender: the slave's outbox, held while it
    // moved, arrives in one burst). Nothing else.
    expect(killedAt).toBeGreaterThan(0);
    expect(rejoinedAt).toBeGreaterThan(killedAt);
    for (const [list, receiver] of [[toSlave, slave], [toMaster, master]] as const) {
      const lost = new Set(Array.from({ length: sent }, (_, i) => i + 1).filter((n) => !list.includes(n)));
      let unforwarded = killedAt;
      while (lost.has(unforwarded - 1)) unforwarded--;
      const outside = [...lost].filter((n) => n < unforwarded || n > rejoinedAt + 1);
      expect(outside.length).toBeLessThanOrEqual(receiver.sdm!.counters.dropped);
    }
  }, 120_000);

  test('the broker restarted: the relays put their rooms back, devices keep their ids and signal again', async () => {
    const name = room();
    const { master, slave, m, s } = await pair(name, 3);
    // While the broker is down, a join is refused with 4503, not for good (the channel tries again);
    // once it is back, the same room admits.
    const elsewhere = room();
    await broker.restart(async () => {
      const early = client(relays[1].url);
      expect(await joined(early, { room: elsewhere, token: 't', role: 'master', maxSlaves: 1 })).toMatchObject({ type: 'error', final: false });
      expect((await early.closed).code).toBe(4503);
    });
    // Once the relays have put the room back, the next slave gets id 2: id 1 is still held.
    await until(() => relays.every((r) => (r.stats()?.broker?.brokerReconnects ?? 0) >= 1), 'every relay reconnected to the broker', 30_000);
    let welcome: Record<string, unknown> | undefined;
    await until(async () => {
      const c = client(relays[2].url);
      const answer = await joined(c, { room: name, token: 'cluster-token', role: 'slave' });
      if (answer.type === 'welcome') welcome = answer;
      return welcome !== undefined || answer.final === true;
    }, 'a join after the restart', 30_000);
    expect(welcome).toMatchObject({ type: 'welcome', id: 2 });
    let got;
    await until(() => {
      m.irq(1, [0x5e, 0]);
      return (got = s.poll()) !== undefined;
    }, 'an IRQ after the broker restart', 30_000);
    expect(got).toMatchObject({ type: SDM_IRQ, slave: 0, payload: [0x5e, 0] });
    s.irq(0, [0x5f, 0]);
    await until(() => (got = m.poll()) !== undefined, 'the reply after the broker restart', 20_000);
    expect(got).toMatchObject({ type: SDM_IRQ, slave: 1, payload: [0x5f, 0] });
    expect(slave.sdm!.id).toBe(1);
    const later = client(relays[1].url);
    expect(await joined(later, { room: elsewhere, token: 't', role: 'master', maxSlaves: 1 })).toMatchObject({ type: 'welcome', id: 0 });
  }, 120_000);
});
