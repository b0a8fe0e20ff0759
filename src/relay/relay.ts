// The SDM relay: SDM devices on different hosts (browser tabs, Node processes) signal each other
// through it. Each SDM group is a room, created by its master with a token that every later
// client must present; a slave id is held by one client at a time. The relay checks every frame
// (src/relay/protocol.ts) and drops a client that breaks the protocol or floods it, without
// touching anyone else; signals are only ever forwarded inside their room.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import {
  CLOSE, MAX_ID, MAX_TEXT_FRAME, SDM_BOOT, SDM_IRQ, SIGNAL_FRAME, decodeSignal, encodeSignal, parseJoin,
  type JoinFrame, type MembersFrame,
} from './protocol.ts';

export interface RelayOptions {
  /** Origins a browser may connect from; 'same-host' accepts an Origin whose host is the request's Host */
  origins?: string[] | 'same-host';
  /** clients per room, the master included (default 64) */
  maxClientsPerRoom?: number;
  /** frames per second per client, sustained; a burst of as many is allowed (default 2000) */
  maxFramesPerSecond?: number;
  /** where the relay says what it does (default: nowhere) */
  log?: (line: string) => void;
}

interface Client {
  ws: WebSocket;
  room?: Room;
  role?: 'master' | 'slave';
  id?: number;
  tokens: number;
  refilled: number;
}

interface Room {
  name: string;
  token: Buffer;
  master?: Client;
  maxSlaves: number;
  slaves: Map<number, Client>;
}

export interface RelayStats {
  clients: number;
  rooms: number;
  /** signals forwarded to their destination */
  forwarded: number;
  /** well-formed signals with nobody to take them (destination absent or beyond max_slaves) */
  discarded: number;
  /** clients dropped for breaking the protocol or the rate limit */
  dropped: number;
}

const digest = (token: string) => createHash('sha256').update(token).digest();

export class Relay {
  private readonly rooms = new Map<string, Room>();
  private readonly clients = new Set<Client>();
  private readonly counts = { forwarded: 0, discarded: 0, dropped: 0 };
  private readonly maxClients: number;
  private readonly maxFps: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: RelayOptions = {}) {
    this.maxClients = options.maxClientsPerRoom ?? 64;
    this.maxFps = options.maxFramesPerSecond ?? 2000;
    this.log = options.log ?? (() => {});
  }

  get stats(): RelayStats {
    return { clients: this.clients.size, rooms: this.rooms.size, ...this.counts };
  }

  /** Whether a connection may be accepted: non-browser clients send no Origin; browsers must be allowed. */
  originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    const allowed = this.options.origins ?? [];
    if (allowed === 'same-host') {
      try {
        return new URL(origin).host === request.headers.host;
      } catch {
        return false;
      }
    }
    return allowed.includes(origin);
  }

  /** Takes a new connection (already past the Origin check). */
  accept(ws: WebSocket): void {
    const client: Client = { ws, tokens: this.maxFps, refilled: performance.now() };
    this.clients.add(client);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => this.onFrame(client, toBytes(data), isBinary));
    ws.on('close', () => this.leave(client));
    ws.on('error', () => ws.terminate());
  }

  /** Closes every connection (a relay shutting down). */
  closeAll(): void {
    for (const client of this.clients) client.ws.terminate();
  }

  private overRate(client: Client): boolean {
    const now = performance.now();
    client.tokens = Math.min(this.maxFps, client.tokens + ((now - client.refilled) / 1000) * this.maxFps);
    client.refilled = now;
    client.tokens -= 1;
    return client.tokens < 0;
  }

  private onFrame(client: Client, bytes: Uint8Array, isBinary: boolean): void {
    if (client.ws.readyState !== client.ws.OPEN) return;
    if (this.overRate(client)) return this.drop(client, CLOSE.RATE, `more than ${this.maxFps} frames per second`);
    if (isBinary) return this.onSignal(client, bytes);
    if (bytes.length > MAX_TEXT_FRAME) return this.drop(client, CLOSE.PROTOCOL, `a control frame is at most ${MAX_TEXT_FRAME} bytes`);
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      return this.drop(client, CLOSE.PROTOCOL, 'a control frame is JSON');
    }
    if (!client.room) {
      const join = parseJoin(value);
      if (typeof join === 'string') return this.drop(client, CLOSE.PROTOCOL, join);
      return this.join(client, join);
    }
    const frame = value as { type?: unknown; value?: unknown };
    if (client.role === 'master' && frame?.type === 'max_slaves' && Number.isInteger(frame.value) && (frame.value as number) >= 0 && (frame.value as number) <= MAX_ID) {
      client.room.maxSlaves = frame.value as number;
      this.log(`room ${client.room.name}: max_slaves ${client.room.maxSlaves}`);
      return this.announce(client.room);
    }
    this.drop(client, CLOSE.PROTOCOL, 'unexpected control frame');
  }

  private onSignal(client: Client, bytes: Uint8Array): void {
    const room = client.room;
    if (!room) return this.drop(client, CLOSE.PROTOCOL, 'join a room first');
    if (bytes.length !== SIGNAL_FRAME) return this.drop(client, CLOSE.PROTOCOL, `a signal frame is ${SIGNAL_FRAME} bytes`);
    const signal = decodeSignal(bytes);
    if (signal.type !== SDM_IRQ && signal.type !== SDM_BOOT) return this.drop(client, CLOSE.PROTOCOL, `unknown signal type ${signal.type}`);
    let target: Client | undefined;
    if (client.role === 'master') {
      if (signal.slave < 1 || signal.slave > MAX_ID) return this.drop(client, CLOSE.PROTOCOL, `slave id ${signal.slave} is out of range`);
      target = signal.slave <= room.maxSlaves ? room.slaves.get(signal.slave) : undefined;
      signal.slave = 0;
    } else {
      if (signal.slave !== 0) return this.drop(client, CLOSE.PROTOCOL, 'a slave signals only the master (slave must be 0)');
      target = client.id! <= room.maxSlaves ? room.master : undefined;
      signal.slave = client.id!;
    }
    if (!target) {
      this.counts.discarded++;
      return;
    }
    this.counts.forwarded++;
    target.ws.send(encodeSignal(signal));
  }

  private refuse(client: Client, code: number, message: string): void {
    this.log(`refused: ${message}`);
    client.ws.send(JSON.stringify({ type: 'error', message, final: code !== CLOSE.NO_MASTER }));
    client.ws.close(code, message.slice(0, 120));
  }

  private drop(client: Client, code: number, message: string): void {
    this.counts.dropped++;
    this.log(`dropped a client${client.room ? ` of room ${client.room.name}` : ''}: ${message}`);
    client.ws.send(JSON.stringify({ type: 'error', message, final: true }));
    client.ws.close(code, message.slice(0, 120));
    this.leave(client);
  }

  private join(client: Client, join: JoinFrame): void {
    let room = this.rooms.get(join.room);
    const token = digest(join.token);
    if (room && !timingSafeEqual(room.token, token)) return this.refuse(client, CLOSE.REFUSED, `wrong token for room '${join.room}'`);
    const members = room ? room.slaves.size + (room.master ? 1 : 0) : 0;
    if (members >= this.maxClients) return this.refuse(client, CLOSE.REFUSED, `room '${join.room}' has the maximum of ${this.maxClients} clients`);
    if (join.role === 'master') {
      if (room?.master) return this.refuse(client, CLOSE.REFUSED, `room '${join.room}' already has a master`);
      if (!room) {
        room = { name: join.room, token, maxSlaves: join.maxSlaves!, slaves: new Map() };
        this.rooms.set(room.name, room);
      }
      room.maxSlaves = join.maxSlaves!;
      room.master = client;
      Object.assign(client, { room, role: 'master', id: 0 });
      this.log(`room ${room.name}: master joined (max_slaves ${room.maxSlaves})`);
      this.send(client, { type: 'welcome', id: 0, ...this.membersOf(room) });
      return this.announce(room, client);
    }
    if (!room?.master) return this.refuse(client, CLOSE.NO_MASTER, `no master in room '${join.room}' yet`);
    let id = join.slave;
    if (id !== undefined && room.slaves.has(id)) return this.refuse(client, CLOSE.REFUSED, `slave id ${id} is taken in room '${join.room}'`);
    if (id === undefined) for (let i = 1; i <= room.maxSlaves && id === undefined; i++) if (!room.slaves.has(i)) id = i;
    if (id === undefined || id > room.maxSlaves) {
      return this.refuse(client, CLOSE.REFUSED, `room '${join.room}' is full: max_slaves is ${room.maxSlaves}`);
    }
    room.slaves.set(id, client);
    Object.assign(client, { room, role: 'slave', id });
    this.log(`room ${room.name}: slave ${id} joined`);
    // The master hears of the slave before the slave can signal it.
    this.send(room.master, { type: 'members', ...this.membersOf(room) });
    this.send(client, { type: 'welcome', id, ...this.membersOf(room) });
    this.announce(room, client, room.master);
  }

  private leave(client: Client): void {
    if (!this.clients.delete(client)) return;
    const room = client.room;
    if (!room) return;
    client.room = undefined;
    if (client.role === 'master' && room.master === client) room.master = undefined;
    if (client.role === 'slave' && room.slaves.get(client.id!) === client) room.slaves.delete(client.id!);
    this.log(`room ${room.name}: ${client.role} ${client.id} left`);
    if (!room.master && room.slaves.size === 0) {
      this.rooms.delete(room.name);
      return;
    }
    this.announce(room);
  }

  private membersOf(room: Room): Omit<MembersFrame, 'type'> {
    return { master: room.master !== undefined, maxSlaves: room.maxSlaves, slaves: [...room.slaves.keys()].sort((a, b) => a - b) };
  }

  private announce(room: Room, ...except: (Client | undefined)[]): void {
    const frame: MembersFrame = { type: 'members', ...this.membersOf(room) };
    for (const client of [room.master, ...room.slaves.values()]) if (client && !except.includes(client)) this.send(client, frame);
  }

  private send(client: Client, frame: MembersFrame): void {
    if (client.ws.readyState === client.ws.OPEN) client.ws.send(JSON.stringify(frame));
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
