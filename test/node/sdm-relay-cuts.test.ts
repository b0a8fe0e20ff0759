// What a hostile, stalled or silent client costs the SDM relay: it is cut at once (not one more of
// its frames read, its connection ended rather than left to ws's 30-second close timeout), a
// connection that never joins is closed after --join-timeout, and every close, whoever made it, is
// counted in the relay's figures. A device that rejoins with its session takes its id back at once.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { until } from '../cases/helpers.ts';
import { LoadClient } from '../../bench/lib/ws-load.ts';
import { client, joined, signal, startRelay, type RelayProcess, type RelayStatsLine } from './sdm-relay-process.ts';

let relay: RelayProcess;
let roomy: RelayProcess;
// The short join timeout has a relay of its own: on a loaded machine the other tests' clients may
// take longer than 300 ms between their upgrade and their first frame.
let impatient: RelayProcess;
beforeAll(async () => {
  [relay, roomy, impatient] = await Promise.all([
    startRelay(['--stats-every', '50', '--quiet']),
    startRelay(['--max-fps', '10000000', '--max-burst', '10000000', '--stats-every', '50', '--quiet']),
    startRelay(['--join-timeout', '300', '--stats-every', '50', '--quiet']),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([relay?.stop(), roomy?.stop(), impatient?.stop()]);
});

let rooms = 0;
const room = () => `cut-${++rooms}`;


async function closesOf(r: RelayProcess, who: 'relay' | 'ws' | 'peer', code: number, atLeast: number): Promise<void> {
  await until(() => (r.stats()?.closes[who][code] ?? 0) >= atLeast, `${atLeast} closes ${who} ${code} in the relay's figures`, 20_000);
}

const count = (r: RelayProcess, who: 'relay' | 'ws' | 'peer', code: number) => r.stats()?.closes[who][code] ?? 0;

describe('sdm-relay: cut at once, join timeout, every close counted', () => {
  test('a client dropped for breaking the protocol that keeps writing and never answers the close is cut at once', async () => {
    const name = room();
    const master = client(relay.url);
    await joined(master, { room: name, token: 't', role: 'master', maxSlaves: 2 });
    const hostile = client(relay.url);
    await joined(hostile, { room: name, token: 't', role: 'slave' });
    await until(() => relay.stats() !== undefined, "the relay's figures", 20_000);
    const before = count(relay, 'relay', 4400);
    // It reads nothing more (so it never answers the relay's close frame) and keeps writing.
    hostile.ws.pause();
    hostile.send(new Uint8Array(17));
    let writing = true;
    const flood = async () => {
      while (writing && hostile.ws.readyState === hostile.ws.OPEN) {
        for (let i = 0; i < 500; i++) hostile.send(signal(0, 0, i, 0));
        // Pacing, not a wait: the event loop turns between bursts, so the close can arrive.
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    const flooding = flood();
    // ws alone would keep the connection (and read its frames) until its 30-second close timeout.
    await closesOf(relay, 'relay', 4400, before + 1);
    writing = false;
    await flooding;
    expect(master.ws.readyState).toBe(master.ws.OPEN);
  }, 30_000);

  test('a read bigger than the burst allows is cut (4429) before ws parses a frame of it: the slave gets none', async () => {
    const name = room();
    const master = await LoadClient.open(relay.port);
    expect(await master.join({ room: name, token: 't', role: 'master', maxSlaves: 1 })).toMatchObject({ type: 'welcome' });
    let received = 0;
    const slave = await LoadClient.open(relay.port, { signal: () => received++ });
    expect(await slave.join({ room: name, token: 't', role: 'slave' })).toMatchObject({ type: 'welcome' });
    const before = count(relay, 'relay', 4429);
    // 256 KiB of valid signals to the slave in one write: read 64 KiB at a time, each above the
    // 512 frames' 32 KiB (and two control frames) a client may send at once. Parsed frame by
    // frame, the slave would get the burst's 512.
    const frame = Buffer.from([0x82, 0x80 | 16, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    master.socket.write(Buffer.alloc(256 * 1024 - ((256 * 1024) % frame.length), frame));
    await closesOf(relay, 'relay', 4429, before + 1);
    // A signal after the cut, from the slave to nobody, and one more read of the relay's figures:
    // whatever the flood had got forwarded would have reached the slave before them.
    slave.signals(1, () => 0, 1, 0);
    const discarded = relay.stats()!.discarded;
    await until(() => relay.stats()!.discarded > discarded, "the slave's signal discarded", 20_000);
    expect(received).toBe(0);
    slave.close();
    master.close();
  }, 60_000);

  test('a flooder that wrote 64 MiB at once is cut (4429) and not read to the end: its write never completes', async () => {
    const flooder = await LoadClient.open(relay.port);
    expect(await flooder.join({ room: room(), token: 't', role: 'master', maxSlaves: 1 })).toMatchObject({ type: 'welcome' });
    const before = count(relay, 'relay', 4429);
    // One write of 64 MiB of valid signals to slave 1 (nobody): past the rate limit after 512.
    const frame = Buffer.from([0x82, 0x80 | 16, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const flood = Buffer.alloc(64 * 1024 * 1024 - ((64 * 1024 * 1024) % frame.length), frame);
    const written = new Promise<Error | undefined>((resolve) => flooder.socket.write(flood, (error) => resolve(error ?? undefined)));
    await closesOf(relay, 'relay', 4429, before + 1);
    // The relay drains 256 KiB of a cut connection (so that its close frame goes out rather than a
    // reset), then stops reading; the kernel's buffers hold some MiB more, never 64: the write
    // fails when the connection ends. Read to the end, it would complete.
    expect(await written).toBeInstanceOf(Error);
  }, 60_000);

  test('a connection that does not join within --join-timeout is closed (4408), counted', async () => {
    await until(() => impatient.stats() !== undefined, "the relay's figures", 20_000);
    const before = count(impatient, 'relay', 4408);
    const silent = client(impatient.url);
    await silent.opened;
    expect((await silent.closed).code).toBe(4408);
    expect(silent.text.at(-1)).toEqual({ type: 'error', message: 'no join within 300 ms', final: false });
    await closesOf(impatient, 'relay', 4408, before + 1);
  }, 30_000);

  test("ws's own closes (1009: a frame above 4096 bytes; 1007: invalid UTF-8) and the clients' own are counted", async () => {
    const [big, utf, polite] = [1009, 1007, 1000].map((code) => count(relay, code === 1000 ? 'peer' : 'ws', code));
    const a = client(relay.url);
    await a.opened;
    a.send(new Uint8Array(5000));
    expect((await a.closed).code).toBe(1009);
    const b = client(relay.url);
    await b.opened;
    b.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await b.closed).code).toBe(1007);
    const c = client(relay.url);
    await joined(c, { room: room(), token: 't', role: 'master', maxSlaves: 1 });
    c.ws.close(1000);
    await closesOf(relay, 'ws', 1009, big + 1);
    await closesOf(relay, 'ws', 1007, utf + 1);
    await closesOf(relay, 'peer', 1000, polite + 1);
  }, 30_000);

  test('a refusal is counted by its code too (4403 wrong token, 4404 no master yet)', async () => {
    const [wrong, early] = [count(relay, 'relay', 4403), count(relay, 'relay', 4404)];
    const name = room();
    const nobody = client(relay.url);
    expect(await joined(nobody, { room: name, token: 't', role: 'slave' })).toMatchObject({ type: 'error', final: false });
    const master = client(relay.url);
    await joined(master, { room: name, token: 't', role: 'master', maxSlaves: 1 });
    const intruder = client(relay.url);
    expect(await joined(intruder, { room: name, token: 'nope', role: 'slave' })).toMatchObject({ type: 'error', final: true });
    await closesOf(relay, 'relay', 4404, early + 1);
    await closesOf(relay, 'relay', 4403, wrong + 1);
  }, 30_000);

  test('a master that reads nothing is cut (4413) once 64 KiB wait for it; its slave is not held up', async () => {
    const name = room();
    const master = client(roomy.url);
    await joined(master, { room: name, token: 't', role: 'master', maxSlaves: 2 });
    const slave = client(roomy.url);
    await joined(slave, { room: name, token: 't', role: 'slave' });
    master.ws.pause();
    const before = count(roomy, 'relay', 4413);
    // Far more than the loopback's socket buffers and the relay's 64 KiB hold: 16 MiB of signals.
    for (let batch = 0; batch < 1024 && count(roomy, 'relay', 4413) === before; batch++) {
      for (let i = 0; i < 1024; i++) slave.send(signal(0, 0, batch, i));
      // Pacing, not a wait: the event loop turns between batches, so the relay's cut can arrive.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await closesOf(roomy, 'relay', 4413, before + 1);
    expect(slave.ws.readyState).toBe(slave.ws.OPEN);
    // The slave is still served: with its master gone, its signals are discarded, not refused.
    const discarded = roomy.stats()!.discarded;
    slave.send(signal(0, 0, 1, 1));
    await until(() => roomy.stats()!.discarded > discarded, 'the next signal discarded', 20_000);
  }, 60_000);

  test('a device rejoining with its session takes its id back at once; without it the id is taken', async () => {
    const name = room();
    const master = client(relay.url);
    await joined(master, { room: name, token: 't', role: 'master', maxSlaves: 2 });
    const first = client(relay.url);
    const welcome = await joined(first, { room: name, token: 't', role: 'slave' });
    expect(welcome).toMatchObject({ type: 'welcome', id: 1, session: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const thief = client(relay.url);
    expect(await joined(thief, { room: name, token: 't', role: 'slave', slave: 1, session: '0'.repeat(32) }))
      .toMatchObject({ type: 'error', message: `slave id 1 is taken in room '${name}'` });
    // The old connection is still open (a half-open TCP connection the relay has not noticed yet).
    const again = client(relay.url);
    expect(await joined(again, { room: name, token: 't', role: 'slave', slave: 1, session: welcome.session })).toMatchObject({ type: 'welcome', id: 1, session: welcome.session });
    expect((await first.closed).code).toBe(4409);
    master.send(signal(0, 1, 7, 7));
    await until(() => again.signals.length === 1, 'the signal at the new connection', 20_000);
    expect(first.signals).toEqual([]);
    // The master never saw slave 1 leave.
    expect(master.text.filter((t) => t.type === 'members').every((t) => (t.slaves as number[]).includes(1))).toBe(true);
  }, 30_000);
});

describe("sdm-relay: its figures", () => {
  /** The first figures the relay prints after this call: they count everything done before it. */
  async function nextStats(r: RelayProcess): Promise<RelayStatsLine> {
    const printed = () => r.output.filter((line) => line.startsWith('stats ')).length;
    const seen = printed();
    await until(() => printed() > seen, "the relay's next figures", 20_000);
    return r.stats()!;
  }

  test("the figures carry the event loop's longest delay since the previous line, in milliseconds", async () => {
    const lines = [await nextStats(relay), await nextStats(relay)];
    for (const line of lines) {
      expect(typeof line.loopDelayMaxMs).toBe('number');
      // At least the 1 ms the monitor waits for; nanoseconds would read a million times more.
      expect(line.loopDelayMaxMs).toBeGreaterThanOrEqual(0);
      expect(line.loopDelayMaxMs).toBeLessThan(60_000);
    }
  }, 30_000);

  test('reads count the socket reads that carried frames: ten signals in one write are one read, five written one by one five', async () => {
    const name = room();
    const got: number[] = [];
    // Raw clients (bench/lib/ws-load.ts): their signals() writes its frames in one write.
    const master = await LoadClient.open(relay.port);
    expect(await master.join({ room: name, token: 't', role: 'master', maxSlaves: 1 })).toMatchObject({ type: 'welcome' });
    const slave = await LoadClient.open(relay.port, { signal: (bytes) => got.push(bytes.readUInt32LE(8)) });
    expect(await slave.join({ room: name, token: 't', role: 'slave' })).toMatchObject({ type: 'welcome' });
    try {
      const before = await nextStats(relay);
      master.signals(10, () => 1, 0, 0);
      await until(() => got.length === 10, 'ten signals at the slave', 20_000);
      const batched = await nextStats(relay);
      expect(batched.forwarded - before.forwarded).toBe(10);
      expect(batched.reads - before.reads).toBe(1);
      for (let i = 0; i < 5; i++) {
        master.signals(1, () => 1, 10 + i, 0);
        await until(() => got.length === 11 + i, `signal ${11 + i} at the slave`, 20_000);
      }
      const single = await nextStats(relay);
      expect(single.forwarded - batched.forwarded).toBe(5);
      expect(single.reads - batched.reads).toBe(5);
      expect(got).toEqual(Array.from({ length: 15 }, (_, i) => i));
    } finally {
      master.close();
      slave.close();
    }
  }, 30_000);
});
