// Figure 7: what one SDM relay process holds and forwards on this machine, and what a hostile client
// costs the others. The relay runs as a user runs it (`ivshmem-wasm sdm-relay`, default limits, a
// process of its own); the load comes from this process through bench/lib/ws-load.ts, whose clients
// cost little per signal, so the figures are the relay's.
//   capacity      devices joined and held in rooms of 10 (a master and 9 slaves), memory per device
//   throughput    signals forwarded per second flat out (masters to their slaves, 32 in flight a room)
//   latency       forwarding latency p50/p99 at half the goal's rate, sender's clock to receiver's
//   interference  the p99 of a steady 2,000 signals/s, quiet and beside a client that floods (8 MiB of valid
//                 signals: cut at the rate limit) or that reads nothing while its slave writes to it
//                 as fast as the rate limit lets one client, interleaved rounds; the hostile clients
//                 run in a process of their own (bench/node/relay-hostile.ts), so that what they cost
//                 their writer is not paid by the process that times the others; and, as a control,
//                 the same flood aimed at a second relay process, and the stalled pair with a
//                 master that reads
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureTable, summarize, type Table } from '../lib/stats.ts';
import { LoadClient } from '../lib/ws-load.ts';
import type { HostileCommand, HostileKind, HostileReport } from '../node/relay-hostile.ts';

export interface RelayFigureOptions {
  quick: boolean;
  progress?(text: string): void;
}

const bin = fileURLToPath(new URL('../../bin/ivshmem-wasm.mjs', import.meta.url));
const ROOM = 10;
const now = () => performance.now();
const stampUs = () => Math.round(now() * 1000) >>> 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FLOOD_ELSEWHERE = 'beside the same flood of another relay process (control)';
const BUSY_READING = 'beside the same pair at the same rate, its master reading (control)';

interface RelayStats { forwarded: number; reads: number; clients: number; rss: number; cpuUs: number; loopDelayMaxMs?: number; closes: Record<string, Record<string, number>> }

interface RelayChild {
  port: number;
  child: ChildProcess;
  stats(): Promise<RelayStats>;
  /** the event loop's longest delay in the lines printed since the last call (the relay's loopDelayMaxMs) */
  takeLoopDelay(): number;
  stop(): Promise<void>;
}

/** The relay as a user starts it, or the bare forwarder (bench/node/bare-forwarder.ts): both print where they listen, then their figures every 100 ms. */
async function startRelay(kind: 'relay' | 'bare'): Promise<RelayChild> {
  const args = kind === 'relay'
    ? [bin, 'sdm-relay', '--port', '0', '--quiet', '--stats-every', '100']
    : [...process.execArgv, fileURLToPath(new URL('../node/bare-forwarder.ts', import.meta.url))];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let waiting: ((s: RelayStats) => void)[] = [];
  let loopDelay = 0;
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const listening = /listening on ws:\/\/[^:]+:(\d+)/.exec(line);
        if (listening) resolve(Number(listening[1]));
        if (line.startsWith('stats ')) {
          const stats = JSON.parse(line.slice(6)) as RelayStats;
          loopDelay = Math.max(loopDelay, stats.loopDelayMaxMs ?? 0);
          for (const w of waiting) w(stats);
          waiting = [];
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`the ${kind === 'relay' ? 'relay' : 'bare forwarder'} exited (${code})`)));
  });
  return {
    port,
    child,
    // The next figures it prints (every 100 ms).
    stats: () => new Promise((resolve) => waiting.push(resolve)),
    takeLoopDelay: () => {
      const longest = loopDelay;
      loopDelay = 0;
      return longest;
    },
    stop: () => new Promise((done) => {
      child.once('exit', () => done());
      child.kill('SIGTERM');
    }),
  };
}

/** Whom a hostile client's cuts are counted for: its kind, or the control's flood of another relay. */
type HostileTally = HostileKind | 'elsewhere';

interface HostileProcess {
  /** starts a hostile client; resolves once it has joined */
  start(kind: HostileKind, port: number, room: string, tally?: HostileTally): Promise<void>;
  /** closes its connections; resolves once they are closed */
  stop(): Promise<void>;
  /** the close codes its relay gave the hostile connections, by tally */
  cuts: Record<HostileTally, number[]>;
  close(): void;
}

/** The hostile clients' process, forked with this process's loader (its execArgv: tsx's). */
async function forkHostile(): Promise<HostileProcess> {
  const child = fork(fileURLToPath(new URL('../node/relay-hostile.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const cuts: Record<HostileTally, number[]> = { flood: [], stall: [], busy: [], elsewhere: [] };
  let kind: HostileTally = 'flood';
  let waiting: { until: (report: HostileReport) => boolean; resolve(): void; reject(error: Error): void } | undefined;
  child.on('message', (report: HostileReport) => {
    if ('cut' in report) cuts[kind].push(report.cut);
    if (waiting?.until(report)) {
      waiting.resolve();
      waiting = undefined;
    }
  });
  child.once('exit', (code) => waiting?.reject(new Error(`the hostile clients' process exited (${code})`)));
  const next = (until: (report: HostileReport) => boolean, command?: HostileCommand) => new Promise<void>((resolve, reject) => {
    waiting = { until, resolve, reject };
    if (command) child.send(command);
  });
  await next((report) => 'ready' in report);
  return {
    start: (what, port, room, tally = what) => {
      kind = tally;
      return next((report) => 'joined' in report, { start: what, port, room });
    },
    stop: () => next((report) => 'stopped' in report, { stop: true }),
    cuts,
    close: () => child.disconnect(),
  };
}

/** Rooms of a master and 9 slaves; every slave's received signals go to `onSignal`. */
async function rooms(port: number, count: number, prefix: string, onSignal: (bytes: Buffer, at: number) => void) {
  const made: { master: LoadClient; slaves: LoadClient[] }[] = [];
  const batch = 10;
  for (let first = 0; first < count; first += batch) {
    made.push(...await Promise.all(Array.from({ length: Math.min(batch, count - first) }, async (_, k) => {
      const name = `${prefix}-${first + k}`;
      const master = await LoadClient.open(port);
      const welcome = await master.join({ room: name, token: 'bench', role: 'master', maxSlaves: ROOM - 1 });
      if (welcome.type !== 'welcome') throw new Error(`master refused: ${welcome.message}`);
      const slaves = await Promise.all(Array.from({ length: ROOM - 1 }, async () => {
        const slave = await LoadClient.open(port, { signal: onSignal });
        const answer = await slave.join({ room: name, token: 'bench', role: 'slave' });
        if (answer.type !== 'welcome') throw new Error(`slave refused: ${answer.message}`);
        return slave;
      }));
      return { master, slaves };
    })));
  }
  return made;
}

/** From the stamp its sender wrote (microseconds, modulo 2^32) to `at`, when it was read. */
function latencyMs(bytes: Buffer, at: number): number {
  return (((Math.round(at * 1000) >>> 0) - bytes.readUInt32LE(12)) >>> 0) / 1000;
}

export async function relayFigure(options: RelayFigureOptions): Promise<Table[]> {
  const { quick } = options;
  const devicesGoal = 5000;
  const roomCount = quick ? 100 : devicesGoal / ROOM;
  const tables: Table[] = [];
  const relay = await startRelay('relay');
  let bare: RelayChild | undefined;
  let hostile: HostileProcess | undefined;
  let elsewhere: RelayChild | undefined;
  try {
    // Capacity and memory.
    options.progress?.(`relay: ${roomCount * ROOM} devices in ${roomCount} rooms`);
    const idle = await relay.stats();
    // Every signal the rooms' masters sent and their slaves received, over the whole run: a window
    // starts once nothing is left in flight from the ones before it.
    let sentTotal = 0;
    let receivedTotal = 0;
    const send = (master: LoadClient, count: number, to: (i: number) => number, seq: number) => {
      sentTotal += count;
      master.signals(count, to, seq, stampUs());
    };
    const drain = async () => {
      const deadline = now() + 10_000;
      while (receivedTotal < sentTotal && now() < deadline) await sleep(20);
    };
    let latencies: number[] = [];
    let recording = false;
    const onSignal = (bytes: Buffer, at: number) => {
      receivedTotal++;
      if (recording) latencies.push(latencyMs(bytes, at));
    };
    const joinStart = now();
    const all = await rooms(relay.port, roomCount, 'cap', onSignal);
    const joinMs = now() - joinStart;
    const held = await relay.stats();
    tables.push({
      title: 'One relay process: devices held',
      unit: 'devices',
      method: `${roomCount} rooms of ${ROOM} (a master and 9 slaves), joined 10 rooms at a time from this process (${(joinMs / 1000).toFixed(1)} s); the relay's own count of connected clients once all were welcomed`,
      rows: [{ label: `devices connected, in ${roomCount} rooms`, samples: [held.clients], floor: devicesGoal }],
    });
    tables.push({
      title: 'One relay process: memory per device',
      unit: 'KiB',
      method: `(the relay's resident memory with ${held.clients} devices joined - with none) / ${held.clients}`,
      rows: [{ label: 'relay memory per connected device', samples: [(held.rss - idle.rss) / held.clients / 1024] }],
    });

    // The baseline: the bare forwarder, with rooms of its own.
    bare = await startRelay('bare');
    const bareRooms = await rooms(bare.port, roomCount, 'bare', onSignal);
    const onRelay = { server: relay, rooms: all };
    const onBare = { server: bare, rooms: bareRooms };

    // Paced load, spread over every room: the latency at a stated rate, and the relay's cost when each read carries one signal.
    /** The relay's share of one core while it was measured, per paced window (its CPU time over the wall clock). */
    let shares: number[] = [];
    /**
     * `rate` signals/s over the rooms of `on` (the relay's, or the bare forwarder's) for 200 ms
     * unrecorded then `windowMs` recorded, calling `atRecording` as recording starts: the latencies
     * recorded, and what the relay counted meanwhile (forwarded, reads, CPU time) from its figures
     * before and after.
     */
    const paced = async (rate: number, windowMs: number, atRecording?: () => void, on = onRelay) => {
      await drain();
      latencies = [];
      const before = await on.server.stats();
      const started = now();
      let due = 0;
      let seq = 0;
      const t0 = now();
      recording = false;
      await new Promise<void>((done) => {
        const tick = () => {
          const elapsed = now() - t0;
          if (elapsed > windowMs + 200) return done();
          if (!recording && elapsed > 200) {
            recording = true;
            atRecording?.();
          }
          const target = Math.floor((elapsed * rate) / 1000);
          const per = Math.max(1, Math.ceil((target - due) / on.rooms.length));
          for (let r = 0; due < target && r < on.rooms.length; r++, due += per) {
            send(on.rooms[(seq + r) % on.rooms.length].master, per, (i) => 1 + ((seq + i) % (ROOM - 1)), seq);
          }
          seq++;
          // A millisecond apart: the generator sleeps between its writes rather than spin beside the relay.
          setTimeout(tick, 1);
        };
        tick();
      });
      recording = false;
      const after = await on.server.stats();
      if (on === onRelay) shares.push((after.cpuUs - before.cpuUs) / 1000 / (now() - started));
      // A backlog left behind would be measured as the next window's latency.
      await drain();
      return { ...summarize(latencies), forwarded: after.forwarded - before.forwarded, reads: after.reads - before.reads, cpuUs: after.cpuUs - before.cpuUs };
    };

    // Throughput flat out: every master keeps 32 signals in flight to its slaves.
    const windowSize = 32;
    let running = false;
    let base = 0;
    const pump = () => {
      if (!running) return;
      if (sentTotal - receivedTotal < (all.length * windowSize) / 2) {
        for (const room of all) send(room.master, windowSize / 2, (i) => 1 + ((base + i) % (ROOM - 1)), base);
        base += windowSize / 2;
      }
      setImmediate(pump);
    };
    /** Flat out for a window: [forwarded per second of wall-clock time, per second of the relay's CPU time]. */
    const flatOut = async (): Promise<[number, number]> => {
      const windowMs = quick ? 500 : 1000;
      running = true;
      pump();
      await sleep(200);
      const before = await relay.stats();
      await sleep(windowMs);
      const after = await relay.stats();
      running = false;
      await drain();
      const forwarded = after.forwarded - before.forwarded;
      batchedPerRead.push(forwarded / Math.max(1, after.reads - before.reads));
      // Both from the relay's own lines, 100 ms apart: its wall clock is their spacing.
      const wallMs = Math.round(windowMs / 100) * 100 + 100;
      return [(forwarded * 1000) / wallMs, (forwarded * 1e6) / Math.max(1, after.cpuUs - before.cpuUs)];
    };
    // One signal a read (and a write each): a rate the relay keeps up with, spread so thin over the
    // rooms that a master writes one signal every 50 ms; the relay's figures say how many a read carried.
    const spreadRate = 10_000;
    const batchedPerRead: number[] = [];
    const spreadPerRead = new Map([[onRelay, [] as number[]], [onBare, [] as number[]]]);
    const oneARead = (on: typeof onRelay) => async () => {
      const window = await paced(spreadRate, quick ? 500 : 1000, undefined, on);
      spreadPerRead.get(on)!.push(window.forwarded / Math.max(1, window.reads));
      return (window.forwarded * 1e6) / Math.max(1, window.cpuUs);
    };
    options.progress?.('relay: throughput flat out, and one signal a read');
    const perCpu = "per second of the relay's CPU time";
    const throughput = await measureTable({
      title: 'One relay process: signals forwarded per second, flat out and one signal a read',
      unit: 'signals/s',
      method: `Flat out: ${all.length} masters each keeping up to ${windowSize} signals in flight to its 9 slaves; each sample is the relay's forwarded count over a ${quick ? 0.5 : 1} s window (its own figures), per second of wall-clock time on this shared machine, and per second of the relay's own CPU time (user + system: what one core given to it forwards). One signal a read: ${spreadRate.toLocaleString('en')} signals/s paced over the ${all.length} rooms (each master writes one signal every ${all.length * 1000 / spreadRate} ms, to one slave), the relay's forwarded count per second of its CPU time over a ${quick ? 0.5 : 1} s window; signals per read are the relay's forwarded / reads, median of the windows. The bare forwarder, the same way: node:net alone, a read and a write a signal, no ws, no checks (bench/node/bare-forwarder.ts), what any relay in Node pays at least`,
      rounds: quick ? 3 : 7,
      contenders: [
        { label: 'per second (wall clock, this machine as loaded)', sample: async () => (await flatOut())[0], floor: 100_000 },
        { label: perCpu, sample: async () => (await flatOut())[1], floor: 100_000 },
        { label: `${perCpu}, one signal a read (${spreadRate.toLocaleString('en')}/s spread)`, sample: oneARead(onRelay), compare: [{ to: perCpu }] },
        { label: `per second of the bare forwarder's CPU time, one signal a read (${spreadRate.toLocaleString('en')}/s spread)`, sample: oneARead(onBare), compare: [{ to: `${perCpu}, one signal a read (${spreadRate.toLocaleString('en')}/s spread)` }] },
      ],
    });
    throughput.rows[1].note = `${summarize(batchedPerRead).median.toFixed(1)} signals per read`;
    throughput.rows[2].note = `${summarize(spreadPerRead.get(onRelay)!).median.toFixed(2)} signals per read`;
    throughput.rows[3].note = `${summarize(spreadPerRead.get(onBare)!).median.toFixed(2)} signals per read`;
    tables.push(throughput);
    shares = [];

    const halfRate = 50_000;
    options.progress?.(`relay: latency at ${halfRate}/s`);
    const share = () => {
      const median = summarize(shares).median;
      shares = [];
      return ` The relay process had ${Math.round(median * 100)} % of one core while measured (its CPU time over the wall clock, median of the windows; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the end).`;
    };
    shares = [];
    const latency = await measureTable({
      title: `One relay process: forwarding latency at ${halfRate.toLocaleString('en')} signals/s (and at ${spreadRate.toLocaleString('en')} and 1,000)`,
      unit: 'ms',
      method: `${halfRate.toLocaleString('en')} signals/s offered, spread over the ${all.length} rooms (masters to slaves); a signal's latency is from the moment its sender wrote it to the moment its receiver read it (one clock: both ends are this process); each sample is the p50 or the p99 of a ${quick ? 0.5 : 1} s window; the bare forwarder's (see above) at the same rate, over rooms of its own, beside`,
      rounds: quick ? 3 : 7,
      contenders: [
        { label: 'p50 of a window', sample: async () => (await paced(halfRate, quick ? 500 : 1000)).median },
        { label: 'p99 of a window', sample: async () => (await paced(halfRate, quick ? 500 : 1000)).p99, goal: 5 },
        { label: "p99 of a window, the bare forwarder's", sample: async () => (await paced(halfRate, quick ? 500 : 1000, undefined, onBare)).p99 },
        { label: `p99 of a window at ${spreadRate.toLocaleString('en')} signals/s (one signal a read, above)`, sample: async () => (await paced(spreadRate, quick ? 500 : 1000)).p99 },
        { label: 'p99 of a window at 1,000 signals/s (light load, beside)', sample: async () => (await paced(1000, quick ? 500 : 1000)).p99 },
      ],
    });
    latency.method += share();
    tables.push(latency);
    for (const room of bareRooms) for (const c of [room.master, ...room.slaves]) c.close();

    // Interference: the others' p99 at a steady load, quiet or beside a hostile client.
    // A load this shared machine carries (the quiet p99 stays in milliseconds), so that what moves it is the hostile client.
    const steady = 2_000;
    // One hostile client a window, from the hostile process, started as the window's recording starts.
    const hostileClients = await forkHostile();
    hostile = hostileClients;
    // The control: the same flood aimed at a second relay process, which cuts it as this one would.
    // The machine then does all the flood's work (the flooder's writes, the kernel's loopback, a
    // relay's read and cut) but this relay none of it, so what the flood moves in the others' p99
    // splits into what any flood on these two cores costs and what it costs through this relay.
    elsewhere = await startRelay('relay');
    const started: Record<HostileTally, number> = { flood: 0, stall: 0, busy: 0, elsewhere: 0 };
    const windowMs = quick ? 500 : 1000;
    // The relay's longest event-loop delay in each window, by tally (quiet first), in the rounds' order.
    const stalls = new Map<HostileTally | undefined, number[]>([[undefined, []], ['flood', []], ['stall', []], ['busy', []], ['elsewhere', []]]);
    const others = (tally?: HostileTally) => async () => {
      let joined: Promise<void> | undefined;
      const { p99 } = await paced(steady, windowMs, () => {
        relay.takeLoopDelay();
        if (tally === 'elsewhere') joined = hostileClients.start('flood', elsewhere!.port, `elsewhere-${++started.elsewhere}`, tally);
        else if (tally) joined = hostileClients.start(tally, relay.port, `${tally}-${++started[tally]}`);
      });
      stalls.get(tally)!.push(relay.takeLoopDelay());
      if (joined) {
        await joined;
        await hostileClients.stop();
      }
      await sleep(200);
      return p99;
    };
    options.progress?.('relay: interference');
    shares = [];
    const interference = await measureTable({
      title: `One relay process: the others' p99 at ${steady.toLocaleString('en')} signals/s beside a hostile client`,
      unit: 'ms',
      method: `${steady.toLocaleString('en')} signals/s over the ${all.length} rooms; beside them, in the flooding rounds, a client that joins and writes 8 MiB of valid signals at once (cut at its first read past the allowance of 512 frames at 64 bytes each, 2,000 frames/s: 4429, before a frame of that read is parsed; 256 KiB more of it drained, then no more); in the stalled rounds, a master that reads nothing while its slave writes 2,000 signals/s to it (the kernel's socket buffers take that much for the whole window, so the relay holds nothing for it and does not cut it); in the controls' rounds, the flooding rounds' client aimed at a second relay process (the same work on the machine, none of it in this relay), and the stalled rounds' pair with a master that reads (the same forwarding, nothing held by the kernel). The hostile clients run in a process of their own, started as a window's recording starts. Each sample is the p99 of a ${windowMs / 1000} s window; rounds interleaved`,
      rounds: quick ? 3 : 9,
      contenders: [
        { label: 'quiet', sample: others() },
        { label: 'beside a flooding client', sample: others('flood'), compare: [{ to: 'quiet', atMost: 1.2 }, { to: FLOOD_ELSEWHERE }] },
        { label: 'beside a client that reads nothing', sample: others('stall'), compare: [{ to: 'quiet', atMost: 1.2 }, { to: BUSY_READING }] },
        { label: FLOOD_ELSEWHERE, sample: others('elsewhere'), compare: [{ to: 'quiet' }] },
        { label: BUSY_READING, sample: others('busy'), compare: [{ to: 'quiet' }] },
      ],
    });
    interference.method += share();
    tables.push(interference);
    tables.push({
      title: "One relay process: its longest event-loop delay in those windows",
      unit: 'ms',
      method: "the largest loopDelayMaxMs of the relay's figures (its event loop's longest delay, node:perf_hooks, 1 ms resolution) printed during each window of the table above, from its recording's start to its end plus at most 100 ms: the longest the relay read and forwarded nothing",
      rows: [
        { label: 'quiet', samples: stalls.get(undefined)! },
        { label: 'beside a flooding client', samples: stalls.get('flood')!, compare: [{ to: 'quiet' }] },
        { label: 'beside a client that reads nothing', samples: stalls.get('stall')!, compare: [{ to: 'quiet' }] },
        { label: FLOOD_ELSEWHERE, samples: stalls.get('elsewhere')!, compare: [{ to: 'quiet' }] },
        { label: BUSY_READING, samples: stalls.get('busy')!, compare: [{ to: 'quiet' }] },
      ],
    });
    const told = (tally: HostileTally, code: number) => hostileClients.cuts[tally].filter((c) => c === code).length;
    for (const room of all) for (const c of [room.master, ...room.slaves]) c.close();
    const final = await relay.stats();
    const control = await elsewhere.stats();
    tables.push({
      title: 'One relay process: the hostile clients it cut',
      unit: 'clients',
      method: 'from the relay\'s own figures (stats.closes.relay) at the end of the run',
      rows: [
        { label: 'cut for flooding (4429)', samples: [final.closes.relay['4429'] ?? 0], note: `${started.flood} flooding clients started, ${told('flood', 4429)} told 4429` },
        { label: 'cut for reading nothing (4413)', samples: [final.closes.relay['4413'] ?? 0], note: `${started.stall} non-reading clients started, ${told('stall', 4413)} told 4413` },
        { label: "the control's relay: cut for flooding (4429)", samples: [control.closes.relay['4429'] ?? 0], note: `${started.elsewhere} flooding clients started, ${told('elsewhere', 4429)} told 4429` },
      ],
    });
  } finally {
    hostile?.close();
    await elsewhere?.stop();
    await bare?.stop();
    await relay.stop();
  }
  return tables;
}
