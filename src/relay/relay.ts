// The SDM relay: SDM devices on different hosts (browser tabs, Node processes) signal each other
// through it. Its connections are this file's: it checks every frame (src/relay/protocol.ts), and
// admits, forwards and announces through its rooms (src/relay/rooms.ts: its own memory, or a
// broker shared with other relays). A client that breaks the protocol, floods, reads nothing or
// does not join in time is cut at once: not one more of its frames is read, its connection is
// ended, and nobody else notices. Every closed connection is counted, by who closed it and how.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { CLOSE, MAX_ID, MAX_TEXT_FRAME, SDM_BOOT, SDM_IRQ, SIGNAL_FRAME, parseJoin, type JoinFrame, type MembersFrame } from './protocol.ts';
import { LocalRooms } from './local-rooms.ts';
import { slaveField, type Member, type Rooms } from './rooms.ts';

export interface RelayOptions {
  /** Origins a browser may connect from; 'same-host' accepts an Origin whose host is the request's Host */
  origins?: string[] | 'same-host';
  /** clients per room, the master included (default 64) */
  maxClientsPerRoom?: number;
  /** frames per second per client, sustained (default 2000) */
  maxFramesPerSecond?: number;
  /**
   * frames a client may send back to back before the rate applies (default 512, at most
   * maxFramesPerSecond): twice the outbox a device sends at once after a reconnect. What a flooder
   * gets forwarded before its cut, and so what a flood costs the others (the relay figure)
   */
  maxBurst?: number;
  /** how long a new connection has to join a room before it is closed (4408); default 10 000 ms */
  joinTimeoutMs?: number;
  /** bytes waiting to be sent to one client before it is cut as not reading (4413); default 64 KiB */
  maxBacklog?: number;
  /** the rooms (default: this relay's own, in memory); a cluster's are shared through a broker (listenRelay's `broker`) */
  rooms?: Rooms;
  /** where the relay says what it does (default: nowhere) */
  log?: (line: string) => void;
}

/** Who closed a connection: the relay (its 44xx codes; 1001 going away), ws on its own (1002, 1007, 1008, 1009), or the client (its code; 1006 when the connection just died). */
export type Closer = 'relay' | 'ws' | 'peer';

export interface RelayStats {
  clients: number;
  /** rooms with a client on this relay */
  rooms: number;
  /** signals forwarded to their destination (here, or to another relay) */
  forwarded: number;
  /** reads of the clients' sockets that reached the frame parser: signals per read is forwarded / reads (batched, or one each) */
  reads: number;
  /** well-formed signals with nobody to take them (destination absent or beyond max_slaves) */
  discarded: number;
  /** clients dropped for breaking the protocol, the rate limit or not reading */
  dropped: number;
  /** every closed connection: by who closed it, then by close code */
  closes: Record<Closer, Record<number, number>>;
  /** the broker's traffic, in a cluster */
  broker?: Record<string, number>;
}

export const DEFAULT_JOIN_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_CLIENTS = 64;
/** How long a cut connection may take to go once its close frame is sent. */
const CUT_GRACE_MS = 1000;
/**
 * What a cut connection's bytes may still cost the relay: drained this far (so that a client
 * that reads gets its close frame, not a reset), then no longer read. A flooder that had written
 * 8 MiB is then held by TCP's flow control until the grace ends, rather than read to the end on
 * the thread that serves everyone: the others' p99 beside a flood went from 12-15x quiet to 2.9x.
 * A flooder that has not read its close frame by the end of the grace gets a reset instead.
 */
const CUT_DRAIN_BYTES = 256 * 1024;
/** Closes after which trying again cannot help (the error frame's `final`). */
const FINAL = new Set<number>([CLOSE.PROTOCOL, CLOSE.REFUSED, CLOSE.RATE]);
export const DEFAULT_MAX_BACKLOG = 64 * 1024;
export const DEFAULT_MAX_BURST = 512;
/**
 * The bytes a frame may take from a client's allowance, which is checked on each read before ws
 * parses it: a signal is 22 bytes on the wire from a client (2 of header, 4 of mask, 16), so 64 a
 * frame leaves room for the odd control frame, and a read of a flood (64 KiB at once) is cut
 * before one of its frames is parsed, where the frame count alone let ws parse a burst of them.
 */
const FRAME_BYTES = 64;
/** Above the burst's bytes: a join and another control frame of the largest size (1024 bytes each). */
const CONTROL_ALLOWANCE = 2 * 1030;

// ws closes a connection itself (and says so with an 'error' event) for a frame it cannot take;
// the code it sends, by the error's documented code (ws's receiver).
const WS_CLOSES: Record<string, number> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 1008,
};

class Client implements Member {
  room = '';
  role: 'master' | 'slave' = 'slave';
  id = -1;
  session = randomBytes(16).toString('hex');
  /** 'new' until its join frame, 'joining' while the rooms decide, 'in' once admitted, 'out' once it is leaving */
  phase: 'new' | 'joining' | 'in' | 'out' = 'new';
  tokens: number;
  /** the byte allowance, in front of ws (FRAME_BYTES a frame, refilled with the frames) */
  bytes: number;
  refilled = performance.now();
  closedBy: { who: Closer; code: number } | undefined;
  joinTimer: ReturnType<typeof setTimeout> | undefined;
  private corked = false;

  constructor(readonly ws: WebSocket, readonly socket: Duplex, private readonly relay: Relay, burst: number) {
    this.tokens = burst;
    this.bytes = burst * FRAME_BYTES + CONTROL_ALLOWANCE;
  }

  control(frame: MembersFrame): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(frame));
    if (!this.corked) this.checkBacklog();
  }

  signal(frame: Uint8Array): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // The signals sent to one client in one turn (all those of one chunk read from their senders)
    // leave in one write: corked until the turn ends, rather than a system call each. What is
    // left waiting is judged once they have been handed to the socket.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
        this.checkBacklog();
      });
    }
    this.ws.send(frame);
  }

  replaced(): void {
    this.phase = 'out';
    this.relay.cut(this, CLOSE.REPLACED, 'the same device rejoined on another connection', false);
  }

  private checkBacklog(): void {
    if (this.ws.bufferedAmount > this.relay.maxBacklog) this.relay.cut(this, CLOSE.STALLED, `more than ${this.relay.maxBacklog} bytes wait for a client that reads nothing`, true);
  }
}

export class Relay {
  private readonly clients = new Set<Client>();
  private readonly counts = { forwarded: 0, reads: 0, discarded: 0, dropped: 0 };
  private readonly closes: Record<Closer, Record<number, number>> = { relay: {}, ws: {}, peer: {} };
  private readonly rooms: Rooms;
  private readonly maxFps: number;
  private readonly burst: number;
  private readonly joinTimeoutMs: number;
  readonly maxBacklog: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: RelayOptions = {}) {
    this.maxFps = options.maxFramesPerSecond ?? 2000;
    for (const [name, value] of [['maxFramesPerSecond', this.maxFps], ['maxBurst', options.maxBurst ?? DEFAULT_MAX_BURST]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`the relay's ${name} must be a whole number of frames, at least 1 (got ${value})`);
    }
    this.burst = Math.min(this.maxFps, options.maxBurst ?? DEFAULT_MAX_BURST);
    this.joinTimeoutMs = options.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS;
    this.maxBacklog = options.maxBacklog ?? DEFAULT_MAX_BACKLOG;
    this.log = options.log ?? (() => {});
    this.rooms = options.rooms ?? new LocalRooms(options.maxClientsPerRoom ?? DEFAULT_MAX_CLIENTS, this.log);
  }

  get stats(): RelayStats {
    const closes = Object.fromEntries(Object.entries(this.closes).map(([who, codes]) => [who, { ...codes }])) as RelayStats['closes'];
    return { clients: this.clients.size, rooms: this.rooms.count, ...this.counts, closes, ...(this.rooms.stats ? { broker: { ...this.rooms.stats } } : {}) };
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

  /** Takes a new connection (already past the Origin check), with the socket it was upgraded on. */
  accept(ws: WebSocket, request: IncomingMessage): void {
    const client = new Client(ws, request.socket, this, this.burst);
    this.clients.add(client);
    client.joinTimer = setTimeout(() => this.cut(client, CLOSE.JOIN_TIMEOUT, `no join within ${this.joinTimeoutMs} ms`, false), this.joinTimeoutMs);
    // In front of ws's own listener, which parses what was read: how many reads carried frames,
    // and whether a read brings more bytes than the client's frames could within the rate (a
    // flood is cut before ws parses a frame of it). A cut removes both.
    const socket = request.socket;
    const parse = socket.listeners('data') as ((chunk: Buffer) => void)[];
    socket.removeAllListeners('data');
    socket.on('data', (chunk: Buffer) => {
      this.counts.reads++;
      if (this.overBytes(client, chunk.length)) return this.cut(client, CLOSE.RATE, this.rateMessage, true);
      for (const listener of parse) listener.call(socket, chunk);
    });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => this.onFrame(client, Buffer.isBuffer(data) ? data : toBytes(data), isBinary));
    ws.on('close', (code: number) => this.closed(client, code));
    ws.on('error', (error: Error & { code?: string }) => {
      const code = error.code?.startsWith('WS_ERR_') ? WS_CLOSES[error.code] ?? 1002 : undefined;
      if (code !== undefined && !client.closedBy) {
        client.closedBy = { who: 'ws', code };
        this.log(`ws closed a client${client.room ? ` of room ${client.room}` : ''} (${code}): ${error.message}`);
      }
      ws.terminate();
    });
  }

  /** Closes every connection (a relay shutting down) and its rooms. */
  async close(): Promise<void> {
    for (const client of this.clients) {
      client.closedBy ??= { who: 'relay', code: 1001 };
      client.ws.terminate();
    }
    await this.rooms.close();
  }

  /**
   * Ends a connection at once: not one more of its frames is parsed (ws stops seeing its bytes,
   * which are drained and thrown away, as ws does after a frame it cannot take, up to
   * CUT_DRAIN_BYTES, then left unread), it gets the reason and the close frame, and the
   * connection is ended right after (FIN, then gone within CUT_GRACE_MS whatever the client does)
   * rather than at ws's 30-second close timeout. Draining rather than pausing at once keeps the
   * close frame: a socket closed with unread bytes sends a reset, which can reach the client
   * before the close frame does. `dropped`: it broke a rule (counted).
   */
  cut(client: Client, code: number, message: string, dropped: boolean): void {
    if (client.closedBy) return;
    client.closedBy = { who: 'relay', code };
    clearTimeout(client.joinTimer);
    if (dropped) {
      this.counts.dropped++;
      this.log(`dropped a client${client.room ? ` of room ${client.room}` : ''}: ${message}`);
    } else if (code !== CLOSE.REPLACED) {
      this.log(`refused: ${message}`);
    }
    const { ws, socket } = client;
    socket.removeAllListeners('data');
    let drained = 0;
    socket.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > CUT_DRAIN_BYTES) socket.pause();
    });
    socket.resume();
    if (ws.readyState === ws.OPEN && ws.bufferedAmount <= this.maxBacklog) {
      ws.send(JSON.stringify({ type: 'error', message, final: FINAL.has(code) }));
      ws.close(code, message.slice(0, 120));
    }
    socket.end();
    setTimeout(() => ws.terminate(), CUT_GRACE_MS).unref();
    this.leave(client);
  }

  private closed(client: Client, code: number): void {
    clearTimeout(client.joinTimer);
    const { who, code: how } = client.closedBy ?? { who: 'peer' as const, code };
    this.closes[who][how] = (this.closes[who][how] ?? 0) + 1;
    this.leave(client);
    this.clients.delete(client);
  }

  private leave(client: Client): void {
    if (client.phase === 'in') this.rooms.leave(client);
    client.phase = 'out';
  }

  private overRate(client: Client): boolean {
    this.refill(client);
    client.tokens -= 1;
    return client.tokens < 0;
  }

  private overBytes(client: Client, bytes: number): boolean {
    this.refill(client);
    client.bytes -= bytes;
    return client.bytes < 0;
  }

  private refill(client: Client): void {
    const now = performance.now();
    const frames = ((now - client.refilled) / 1000) * this.maxFps;
    client.tokens = Math.min(this.burst, client.tokens + frames);
    client.bytes = Math.min(this.burst * FRAME_BYTES + CONTROL_ALLOWANCE, client.bytes + frames * FRAME_BYTES);
    client.refilled = now;
  }

  private get rateMessage(): string {
    return `more than ${this.maxFps} frames per second (or ${this.burst} back to back)`;
  }

  private onFrame(client: Client, bytes: Uint8Array, isBinary: boolean): void {
    if (client.closedBy || client.phase === 'out') return;
    if (this.overRate(client)) return this.cut(client, CLOSE.RATE, this.rateMessage, true);
    if (isBinary) return this.onSignal(client, bytes);
    if (bytes.length > MAX_TEXT_FRAME) return this.cut(client, CLOSE.PROTOCOL, `a control frame is at most ${MAX_TEXT_FRAME} bytes`, true);
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      return this.cut(client, CLOSE.PROTOCOL, 'a control frame is JSON', true);
    }
    if (client.phase === 'new') {
      const join = parseJoin(value);
      if (typeof join === 'string') return this.cut(client, CLOSE.PROTOCOL, join, true);
      return void this.join(client, join);
    }
    const frame = value as { type?: unknown; value?: unknown };
    if (client.role === 'master' && frame?.type === 'max_slaves' && Number.isInteger(frame.value) && (frame.value as number) >= 0 && (frame.value as number) <= MAX_ID) {
      return this.rooms.setMaxSlaves(client, frame.value as number);
    }
    this.cut(client, CLOSE.PROTOCOL, 'unexpected control frame', true);
  }

  private onSignal(client: Client, bytes: Uint8Array): void {
    if (client.phase !== 'in') return this.cut(client, CLOSE.PROTOCOL, 'join a room first', true);
    if (bytes.length !== SIGNAL_FRAME) return this.cut(client, CLOSE.PROTOCOL, `a signal frame is ${SIGNAL_FRAME} bytes`, true);
    const type = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
    if (type !== SDM_IRQ && type !== SDM_BOOT) return this.cut(client, CLOSE.PROTOCOL, `unknown signal type ${type}`, true);
    const slave = slaveField(bytes);
    if (client.role === 'master' && (slave < 1 || slave > MAX_ID)) return this.cut(client, CLOSE.PROTOCOL, `slave id ${slave} is out of range`, true);
    if (client.role === 'slave' && slave !== 0) return this.cut(client, CLOSE.PROTOCOL, 'a slave signals only the master (slave must be 0)', true);
    if (this.rooms.forward(client, bytes)) this.counts.forwarded++;
    else this.counts.discarded++;
  }

  private async join(client: Client, join: JoinFrame): Promise<void> {
    client.phase = 'joining';
    Object.assign(client, { room: join.room, role: join.role });
    // Nothing more of it is read until the rooms have answered (a broker's answer takes a round
    // trip): its next frames come after its welcome, as they would on a relay of its own.
    client.ws.pause();
    let refusal;
    try {
      refusal = await this.rooms.join(client, join);
    } catch (error) {
      refusal = { code: CLOSE.UNAVAILABLE, message: `the rooms are unavailable: ${(error as Error).message}` };
    }
    if (client.closedBy || client.phase !== 'joining') {
      // It went while the rooms decided: if they admitted it, it leaves again.
      if (!refusal) this.rooms.leave(client);
      return;
    }
    if (refusal) return this.cut(client, refusal.code, refusal.message, false);
    client.phase = 'in';
    clearTimeout(client.joinTimer);
    client.ws.resume();
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
