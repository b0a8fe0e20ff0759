// Rooms shared by several relays through a Redis broker (`sdm-relay --broker redis://HOST:PORT`):
// a room's members may sit on different relays. Admission is one atomic script in the broker
// (src/relay/cluster-scripts.ts), so ids and masters are claimed once across relays; each holding is
// a lease the relay renews, so a relay that dies releases its clients' ids when the leases run
// out; the room's changes and its signals travel on the room's channel (pub/sub), which every
// relay with a member in the room subscribes to. Signals between two members of one relay never
// leave it. Redis pub/sub delivers at most once, in order per publishing connection: a signal in
// flight when a relay or the broker dies is lost, never delivered twice.
import { createHash, randomBytes } from 'node:crypto';
import { SIGNAL_FRAME, type JoinFrame, type MembersFrame } from './protocol.ts';
import { roomRules, setSlaveField, slaveField, type Member, type Refusal, type Rooms } from './rooms.ts';
import { ANNOUNCE, JOIN, LEAVE, MAX_SLAVES, RENEW, RESTORE } from './cluster-scripts.ts';

/** What the relay uses of @redis/client's client (its own types are generic past what this needs). */
interface Redis {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  duplicate(): Redis;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  sendCommand<T = unknown>(args: (string | Buffer)[]): Promise<T>;
  configSet(parameter: string, value: string): Promise<unknown>;
  subscribe(channel: string, listener: (message: Buffer) => void, bufferMode: true): Promise<void>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
}

export interface ClusterOptions {
  /** redis://HOST:PORT */
  url: string;
  /** how long a holding outlives its relay (default 3000 ms); renewed every third of it */
  leaseMs?: number;
}

/** What the room's channel says of its members ("M" + this, as JSON). */
interface Announced {
  v: number;
  maxSlaves: number;
  master: string | null;
  slaves: [number, string][];
}

interface Room {
  name: string;
  token: string;
  /** the last announcement applied (0: none yet) */
  v: number;
  maxSlaves: number;
  master: string | null;
  slaves: Map<number, string>;
  /** this relay's members, by id (0 the master) */
  here: Map<number, Member>;
  /** joins the broker has not answered yet: the room stays followed meanwhile */
  joining: number;
  /** resolves once this relay hears the room's channel */
  subscribed: Promise<void>;
  /** signals for members on other relays, waiting for this turn's PUBLISH: [destination u32][16 bytes]... */
  outgoing: Uint8Array[];
}

const keys = (room: string) => ({ room: `sdm:{${room}}`, master: `sdm:{${room}}:m`, ids: `sdm:{${room}}:ids`, prefix: `sdm:{${room}}:s:`, channel: `sdm:{${room}}` });
const hash = (text: string) => createHash('sha256').update(text).digest('hex');
const RECORD = 4 + SIGNAL_FRAME;

export class ClusterRooms implements Rooms {
  private readonly rooms = new Map<string, Room>();
  private readonly owners = new WeakMap<Member, string>();
  private readonly relayId = randomBytes(6).toString('hex');
  private connections = 0;
  private readonly leaseMs: number;
  private readonly renewal: ReturnType<typeof setInterval>;
  private flushing = false;
  /** the broker's traffic */
  readonly stats = { published: 0, publishedSignals: 0, receivedSignals: 0, lostSignals: 0, brokerReconnects: 0, lostHoldings: 0 };

  private constructor(
    private readonly command: Redis,
    private readonly subscriber: Redis,
    options: ClusterOptions,
    private readonly maxClients: number,
    private readonly log: (line: string) => void,
  ) {
    this.leaseMs = options.leaseMs ?? 3000;
    this.renewal = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.leaseMs / 3)));
  }

  /** Connects to the broker (both connections: commands and subscriptions). */
  static async connect(options: ClusterOptions, maxClients: number, log: (line: string) => void): Promise<ClusterRooms> {
    let redis: { createClient(options: object): unknown };
    try {
      redis = await import('@redis/client');
    } catch {
      throw new Error("--broker needs the '@redis/client' package: npm install @redis/client");
    }
    // A broker that cannot be reached at start is a mistake to report (a wrong address, nothing
    // running): the relay does not start. Once connected, a lost broker is waited for.
    let connected = false;
    const command = redis.createClient({
      url: options.url,
      // Signals are not queued while the broker is away: a PUBLISH then fails, and its signals are lost (counted).
      disableOfflineQueue: true,
      socket: { reconnectStrategy: (retries: number) => connected && Math.min(50 * 2 ** retries, 1000) },
    }) as Redis;
    const subscriber = command.duplicate();
    const rooms = new ClusterRooms(command, subscriber, options, maxClients, log);
    for (const client of [command, subscriber]) client.on('error', (error: Error) => { if (connected) log(`broker: ${error.message}`); });
    const started = await Promise.allSettled([command.connect(), subscriber.connect()]);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      clearInterval(rooms.renewal);
      for (const client of [command, subscriber]) if (client.isReady) client.destroy();
      throw new Error(`cannot reach the broker at ${options.url}: ${failed.reason instanceof Error ? failed.reason.message : String(failed.reason)}`);
    }
    connected = true;
    // A lease that ran out (its relay died) is a keyspace event; the broker only sends them when asked.
    await command.configSet('notify-keyspace-events', 'Ex');
    await subscriber.subscribe('__keyevent@0__:expired', (key: string) => rooms.expired(key));
    // Registered once connected: every 'ready' from now on is a reconnection.
    command.on('ready', () => {
      rooms.stats.brokerReconnects++;
      void rooms.restore();
    });
    return rooms;
  }

  get count(): number {
    return this.rooms.size;
  }

  async join(member: Member, join: JoinFrame): Promise<Refusal | undefined> {
    const k = keys(join.room);
    const owner = `${this.relayId}:${++this.connections}`;
    const room = this.follow(join.room, join.token);
    room.joining++;
    let reply: [string, number | string, string, string] | undefined;
    try {
      await room.subscribed;
      const session = join.session ?? member.session;
      reply = await this.command.sendCommand(['EVAL', JOIN, '3', k.room, k.master, k.ids,
        hash(join.token), join.role, join.slave === undefined ? '' : String(join.slave), hash(session), owner,
        String(this.leaseMs), String(this.maxClients), String(join.maxSlaves ?? 0), k.prefix, k.channel, join.session ? '1' : '']);
    } finally {
      room.joining--;
      // The broker is away (the relay answers 4503): a room followed for this join alone is let
      // go, so the next join follows it again rather than wait on a subscription that failed.
      if (reply === undefined) this.leaveIfEmpty(room);
    }
    return this.admitted(member, join, room, reply!, owner);
  }

  private admitted(member: Member, join: JoinFrame, room: Room, reply: [string, number | string, string, string], owner: string): Refusal | undefined {
    if (reply[0] === 'refuse') {
      this.leaveIfEmpty(room);
      const rule = reply[2] as keyof typeof roomRules;
      const message = rule === 'crowded' ? roomRules.crowded(join.room, this.maxClients)
        : rule === 'taken' || rule === 'full' ? roomRules[rule](join.room, Number(reply[3]))
          : roomRules[rule as 'wrongToken' | 'secondMaster' | 'noMaster'](join.room);
      return { code: Number(reply[1]), message };
    }
    const id = Number(reply[1]);
    member.id = id;
    if (join.session) member.session = join.session;
    this.owners.set(member, owner);
    room.here.get(id)?.replaced();
    room.here.set(id, member);
    this.log(`room ${room.name}: ${join.role} ${id} joined (${reply[3] ? 'rejoined' : 'new'})`);
    // Applied here at once: the master (if it is here) hears of the slave before the slave can signal it.
    this.apply(room, JSON.parse(reply[2]) as Announced, member);
    member.control({ type: 'welcome', id, session: member.session, ...this.membersOf(room) });
    return undefined;
  }

  leave(member: Member): void {
    const room = this.rooms.get(member.room);
    const owner = this.owners.get(member);
    if (!room || owner === undefined || room.here.get(member.id) !== member) return;
    room.here.delete(member.id);
    const k = keys(room.name);
    const key = member.role === 'master' ? k.master : `${k.prefix}${member.id}`;
    void this.command.sendCommand(['EVAL', LEAVE, '4', k.room, k.master, k.ids, key, owner, k.prefix, k.channel]).catch(() => {});
    this.leaveIfEmpty(room);
  }

  setMaxSlaves(member: Member, value: number): void {
    const k = keys(member.room);
    void this.command.sendCommand(['EVAL', MAX_SLAVES, '3', k.room, k.master, k.ids, this.owners.get(member) ?? '', String(value), k.prefix, k.channel]).catch(() => {});
  }

  forward(member: Member, frame: Uint8Array): boolean {
    const room = this.rooms.get(member.room);
    if (!room) return false;
    const to = member.role === 'master' ? slaveField(frame) : 0;
    const present = member.role === 'master' ? to <= room.maxSlaves && room.slaves.has(to) : member.id <= room.maxSlaves && room.master !== null;
    if (!present) return false;
    setSlaveField(frame, member.role === 'master' ? 0 : member.id);
    const here = room.here.get(to);
    if (here) {
      here.signal(frame);
      return true;
    }
    const record = new Uint8Array(RECORD);
    new DataView(record.buffer).setUint32(0, to, true);
    record.set(frame, 4);
    room.outgoing.push(record);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.renewal);
    for (const room of this.rooms.values()) for (const member of room.here.values()) this.leave(member);
    await Promise.allSettled([this.command.close(), this.subscriber.close()]);
  }

  /** This turn's signals for other relays: one PUBLISH per room, in the order they came. */
  private flush(): void {
    this.flushing = false;
    for (const room of this.rooms.values()) {
      if (room.outgoing.length === 0) continue;
      const records = room.outgoing;
      room.outgoing = [];
      const batch = Buffer.allocUnsafe(1 + records.length * RECORD);
      batch[0] = 0x53; // 'S'
      records.forEach((r, i) => batch.set(r, 1 + i * RECORD));
      this.stats.published++;
      this.stats.publishedSignals += records.length;
      this.command.sendCommand(['PUBLISH', keys(room.name).channel, batch]).catch(() => {
        this.stats.lostSignals += records.length;
      });
    }
  }

  /** The room as this relay follows it: subscribed to its channel before anything is claimed in it. */
  private follow(name: string, token: string): Room {
    let room = this.rooms.get(name);
    if (room) return room;
    const created: Room = { name, token: hash(token), v: 0, maxSlaves: 0, master: null, slaves: new Map(), here: new Map(), joining: 0, outgoing: [], subscribed: Promise.resolve() };
    created.subscribed = this.subscriber.subscribe(keys(name).channel, (message: Buffer) => this.heard(created, message), true);
    this.rooms.set(name, created);
    return created;
  }

  private leaveIfEmpty(room: Room): void {
    if (room.here.size > 0 || room.joining > 0 || this.rooms.get(room.name) !== room) return;
    this.rooms.delete(room.name);
    void this.subscriber.unsubscribe(keys(room.name).channel).catch(() => {});
  }

  private heard(room: Room, message: Buffer): void {
    if (message[0] === 0x4d) return this.apply(room, JSON.parse(message.subarray(1).toString()) as Announced);
    for (let at = 1; at + RECORD <= message.length; at += RECORD) {
      const to = message.readUInt32LE(at);
      const member = room.here.get(to);
      if (!member) continue;
      this.stats.receivedSignals++;
      member.signal(new Uint8Array(message.subarray(at + 4, at + RECORD)));
    }
  }

  /** A newer announcement: the room's members as the broker holds them; members here it no longer names are replaced. */
  private apply(room: Room, announced: Announced, joining?: Member): void {
    if (announced.v <= room.v) return;
    room.v = announced.v;
    room.maxSlaves = announced.maxSlaves;
    room.master = announced.master;
    // Lua's JSON writes an empty list as {}.
    room.slaves = new Map(Array.isArray(announced.slaves) ? announced.slaves : []);
    for (const [id, member] of room.here) {
      const holder = id === 0 ? room.master : room.slaves.get(id);
      if (holder !== this.owners.get(member)) {
        room.here.delete(id);
        member.replaced();
      }
    }
    const frame: MembersFrame = { type: 'members', ...this.membersOf(room) };
    for (const member of room.here.values()) if (member !== joining) member.control(frame);
    this.leaveIfEmpty(room);
  }

  private membersOf(room: Room): Omit<MembersFrame, 'type'> {
    return { master: room.master !== null, maxSlaves: room.maxSlaves, slaves: [...room.slaves.keys()].sort((a, b) => a - b) };
  }

  /** A lease ran out: the rooms here that it belonged to are told again. */
  private expired(key: string): void {
    const name = /^sdm:\{([^}]+)\}:(m|s:\d+)$/.exec(key)?.[1];
    if (name === undefined || !this.rooms.has(name)) return;
    const k = keys(name);
    void this.command.sendCommand(['EVAL', ANNOUNCE, '3', k.room, k.master, k.ids, k.prefix, k.channel]).catch(() => {});
  }

  private holdings(): string[] {
    const pairs: string[] = [];
    for (const room of this.rooms.values()) {
      const k = keys(room.name);
      for (const [id, member] of room.here) pairs.push(id === 0 ? k.master : `${k.prefix}${id}`, `${this.owners.get(member)}|${hash(member.session)}`);
    }
    return pairs;
  }

  /** Renews every holding of this relay; one held by someone else now is lost, and its client replaced. */
  private async renew(): Promise<void> {
    const pairs = this.holdings();
    if (pairs.length === 0 || !this.command.isReady) return;
    let lost: string[];
    try {
      lost = await this.command.sendCommand<string[]>(['EVAL', RENEW, '0', String(this.leaseMs), ...pairs]);
    } catch {
      return;
    }
    for (const key of lost) {
      const match = /^sdm:\{([^}]+)\}:(m|s:(\d+))$/.exec(key);
      const room = match ? this.rooms.get(match[1]) : undefined;
      const member = room?.here.get(match![2] === 'm' ? 0 : Number(match![3]));
      if (!room || !member) continue;
      this.stats.lostHoldings++;
      room.here.delete(member.id);
      member.replaced();
      this.leaveIfEmpty(room);
    }
  }

  /** The broker is back (it may have restarted empty): this relay's rooms and holdings go back in, and each room is told. */
  private async restore(): Promise<void> {
    this.log('broker: reconnected; restoring this relay\'s rooms');
    try {
      await this.command.configSet('notify-keyspace-events', 'Ex');
      for (const room of this.rooms.values()) {
        const k = keys(room.name);
        const ids = [...room.here.keys()].filter((id) => id > 0).map(String);
        await this.command.sendCommand(['EVAL', RESTORE, '2', k.room, k.ids, room.token, String(room.maxSlaves), String(this.leaseMs), ...ids]);
      }
      await this.renew();
      for (const name of this.rooms.keys()) this.expired(`sdm:{${name}}:m`);
    } catch (error) {
      this.log(`broker: restoring failed: ${(error as Error).message}`);
    }
  }
}
