// An ivshmem-server as contrib/ivshmem-server is one: it owns the shared memory and one eventfd
// per vector for every client, hands out IDs from a 16-bit counter that moves on (so IDs are not
// reused until it wraps), sends each new client version, ID, memory, everyone's eventfds and its
// own, tells everyone about newcomers and about the departed. Every message is logged.
import { QemuError, show } from '../errors.ts';
import { parseSize, formatSize } from '../options/size.ts';
import type { Region } from '../memory/region-allocator.ts';
import type { SharedFile } from '../memory/backend.ts';
import { PROTOCOL_VERSION, SHM_MESSAGE, describeMessage, type MessageSink, type ServerMessage } from './protocol.ts';

export const SERVER_MAX_VECTORS = 64;
const MAX_SHM_SIZE = 1 << 30;

export interface ServerOptions {
  /** the chardev id devices name in `chardev=` */
  id: string;
  /** -S: the UNIX socket path (default /tmp/ivshmem_socket) */
  socket?: string;
  /** -M: the POSIX shm name, so the memory is also /dev/shm/NAME (default ivshmem) */
  shm?: string;
  /** -l: shared memory size, K/M/G suffixes (default 4M), rounded up to a power of two */
  size?: string | number;
  /** -n: vectors per client, 1..64 (default 1) */
  vectors?: number;
  /**
   * How many IDs the counter cycles through: 65536 as ivshmem-server's uint16 counter. Smaller
   * values exist so the wrap-around and the full server can be shown without 65535 clients.
   */
  idSpace?: number;
  /** how many log entries to keep (default 10000); older ones are dropped and counted */
  logLimit?: number;
}

/**
 * What a device needs of a server behind its chardev. `Server` is one; `Host.addChardev` takes
 * any other, for playing with the protocol (or breaking it on purpose).
 */
export interface ServerEndpoint {
  readonly id: string;
  readonly socket: string;
  readonly isRunning: boolean;
  /** the ID the next client would get, if the server can tell (changes nothing) */
  nextId(): number | undefined;
  /** the connected clients' IDs, if the server can tell */
  readonly peerIds?: number[];
  /** the size of the memory it hands out, if the server can tell */
  readonly memorySize?: number;
  connect(sink: MessageSink): ServerConnection;
}

export interface ServerHost {
  allocate(size: number, what: string): Region;
  files: Map<string, SharedFile>;
  allocateEventfd(): number;
  releaseEventfd(slot: number): void;
}

export interface ServerLogEntry {
  seq: number;
  event: 'send' | 'connect' | 'disconnect' | 'refused' | 'stopped';
  /** the client concerned (for a send, the one it went to) */
  peer: number;
  message?: ServerMessage;
  /** the wire view: `to 1: 0 + eventfd 3` */
  text: string;
  /** what a send means to its receiver: "protocol version", "peer 0 vector 1", ... */
  meaning?: string;
}

interface Peer {
  id: number;
  slots: number[];
  sink: MessageSink;
}

/** The server's end of one client connection. */
export interface ServerConnection {
  readonly id: number;
  /** The client is gone (EOF on its socket): the server tells every other client. */
  close(): void;
}

function pow2ceil(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

export class Server implements ServerEndpoint {
  readonly id: string;
  readonly socket: string;
  readonly shm: string;
  readonly size: number;
  readonly vectors: number;
  readonly file: SharedFile;
  readonly log: ServerLogEntry[] = [];
  /** log entries dropped to stay within logLimit */
  logDropped = 0;
  private readonly idSpace: number;
  private readonly logLimit: number;
  private readonly peerList: Peer[] = [];
  private curId = 0;
  private running = true;

  /** @internal servers are started by host.addServer */
  constructor(private readonly host: ServerHost, options: ServerOptions) {
    this.id = options.id;
    this.socket = options.socket === undefined ? '/tmp/ivshmem_socket' : options.socket;
    this.shm = options.shm === undefined ? 'ivshmem' : options.shm;
    if (typeof this.socket !== 'string') throw new QemuError(`the socket path must be a string, not ${show(this.socket)}`);
    if (typeof this.shm !== 'string' || this.shm === '' || this.shm.includes('/')) {
      throw new QemuError(`invalid shm name: ${show(this.shm)} (a name for /dev/shm, without '/')`);
    }
    const vectors = options.vectors === undefined ? 1 : options.vectors;
    if (typeof vectors !== 'number' || !Number.isInteger(vectors) || vectors < 1 || vectors > SERVER_MAX_VECTORS) {
      throw new QemuError(`invalid number of vectors: ${show(vectors)} (the server takes 1 to ${SERVER_MAX_VECTORS})`);
    }
    this.vectors = vectors;
    this.idSpace = options.idSpace === undefined ? 0x10000 : options.idSpace;
    if (!Number.isInteger(this.idSpace) || this.idSpace < 1 || this.idSpace > 0x10000) {
      throw new QemuError(`invalid idSpace: ${show(options.idSpace)} (1 to 65536)`);
    }
    this.logLimit = options.logLimit === undefined ? 10000 : options.logLimit;
    if (!Number.isSafeInteger(this.logLimit) || this.logLimit < 0) {
      throw new QemuError(`invalid logLimit: ${show(options.logLimit)} (how many log entries to keep, 0 or more)`);
    }
    const asked = options.size;
    const requested = typeof asked === 'number' ? asked
      : asked === undefined || typeof asked === 'string' ? Number(parseSize(asked ?? '4M') ?? NaN) : NaN;
    if (!Number.isSafeInteger(requested) || requested <= 0) {
      throw new QemuError(`invalid shm size: ${typeof asked === 'string' ? asked : show(asked)}`);
    }
    const size = pow2ceil(requested);
    if (size > MAX_SHM_SIZE) {
      throw new QemuError(`ftruncate(${this.shm}) failed: ivshmem-server cannot make shared memory above 1G (asked for ${formatSize(size)})`);
    }
    const path = `/dev/shm/${this.shm}`;
    const existing = host.files.get(path);
    if (existing && existing.size !== size) {
      throw new QemuError(`ftruncate(${this.shm}) failed: ${path} exists with size ${formatSize(existing.size)}`);
    }
    this.size = size;
    this.file = existing ?? { path, region: host.allocate(size, this.shm), size };
    host.files.set(path, this.file);
  }

  get memorySize(): number {
    return this.file.size;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** IDs of the connected clients, in the order they connected. */
  get peerIds(): number[] {
    return this.peerList.map((p) => p.id);
  }

  /** The eventfd slots the server made for a client, one per vector. */
  eventfdsOf(id: number): number[] | undefined {
    return this.peerList.find((p) => p.id === id)?.slots.slice();
  }

  private record(event: ServerLogEntry['event'], peer: number, text: string, message?: ServerMessage, meaning?: string): void {
    const seq = this.log.length + this.logDropped;
    this.log.push({ seq, event, peer, message, text, meaning });
    if (this.log.length > this.logLimit) {
      this.log.shift();
      this.logDropped++;
    }
  }

  /** Told of every message sent (the host's trace listens here). */
  onSend?: (to: number, message: ServerMessage) => void;

  private send(peer: Peer, message: ServerMessage, meaning: string): void {
    this.record('send', peer.id, `to ${peer.id}: ${describeMessage(message)}`, message, meaning);
    this.onSend?.(peer.id, message);
    peer.sink.receive(message);
  }

  /** The ID the next client will get, or undefined when none is free; changes nothing. */
  nextId(): number | undefined {
    const taken = new Set(this.peerList.map((p) => p.id));
    let id = this.curId;
    // contrib/ivshmem-server looks at most G_MAXUINT16 (65535) candidates.
    for (let i = 0; i < Math.min(this.idSpace, 0xffff); i++) {
      if (!taken.has(id)) return id;
      id = (id + 1) % this.idSpace;
    }
    return undefined;
  }

  /**
   * A client connects (a QEMU with `-chardev socket,path=...` starting). A client that fails to
   * take its greeting (its sink throws) is undone as if it had never come: the peers told about
   * it hear it is gone, its eventfds close, its ID is free again, and the log says it left.
   */
  connect(sink: MessageSink): ServerConnection {
    if (typeof sink?.receive !== 'function' || typeof sink.hangup !== 'function') {
      throw new QemuError(`connect: a client is a MessageSink with receive(message) and hangup(), not ${show(sink)}`);
    }
    if (!this.running) throw new QemuError(`Failed to connect to '${this.socket}': Connection refused`);
    const id = this.nextId();
    if (id === undefined) {
      this.record('refused', -1, 'cannot allocate new client id');
      throw new QemuError('cannot allocate new client id');
    }
    const peer: Peer = { id, slots: [], sink };
    try {
      for (let v = 0; v < this.vectors; v++) peer.slots.push(this.host.allocateEventfd());
    } catch (error) {
      for (const slot of peer.slots) this.host.releaseEventfd(slot);
      throw error;
    }
    const previousId = this.curId;
    this.curId = (id + 1) % this.idSpace;
    this.record('connect', id, `client ${id} connected`);
    const told: Peer[] = [];
    try {
      this.greet(peer, told);
    } catch (error) {
      this.record('disconnect', id, `client ${id} disconnected (it failed to take the server's messages)`);
      for (const other of told) this.tell(other, { value: BigInt(id) }, `peer ${id} is gone`);
      for (const slot of peer.slots) this.host.releaseEventfd(slot);
      this.curId = previousId;
      throw new QemuError(`client ${id} failed to take the server's messages: ${error instanceof Error ? error.message : show(error)}`, { cause: error });
    }
    this.peerList.push(peer);

    let open = true;
    return {
      id,
      close: () => {
        if (!open) return;
        open = false;
        this.drop(peer);
      },
    };
  }

  // contrib/ivshmem-server's order: version, ID, memory to the newcomer; its eventfds to everyone
  // else; everyone's eventfds to it; its own eventfds last.
  private greet(peer: Peer, told: Peer[]): void {
    const id = peer.id;
    this.send(peer, { value: PROTOCOL_VERSION }, 'protocol version');
    this.send(peer, { value: BigInt(id) }, 'your ID');
    this.send(peer, {
      value: SHM_MESSAGE,
      handle: { kind: 'memory', offset: this.file.region.offset, size: this.size, path: this.file.path },
    }, 'the shared memory');
    const eventfd = (owner: Peer, vector: number): ServerMessage => ({ value: BigInt(owner.id), handle: { kind: 'eventfd', slot: owner.slots[vector] } });
    const others = this.peerList.slice();
    for (const other of others) {
      told.push(other);
      peer.slots.forEach((_, v) => this.tell(other, eventfd(peer, v), `peer ${id} vector ${v} (new peer)`));
    }
    for (const other of others) {
      other.slots.forEach((_, v) => this.send(peer, eventfd(other, v), `peer ${other.id} vector ${v}`));
    }
    peer.slots.forEach((_, v) => this.send(peer, eventfd(peer, v), `your vector ${v}`));
  }

  // A message to a client other than the one being served: if its sink throws, that is its own
  // failure, which must not undo someone else's connect or disconnect (a socket write to a dead
  // client fails there and the server moves on).
  private tell(peer: Peer, message: ServerMessage, meaning: string): void {
    try {
      this.send(peer, message, meaning);
    } catch {
      // recorded as sent: the write happened, the client failed to read it
    }
  }

  private drop(peer: Peer): void {
    const index = this.peerList.indexOf(peer);
    if (index < 0) return;
    this.peerList.splice(index, 1);
    this.record('disconnect', peer.id, `client ${peer.id} disconnected`);
    for (const other of this.peerList) this.tell(other, { value: BigInt(peer.id) }, `peer ${peer.id} is gone`);
    for (const slot of peer.slots) this.host.releaseEventfd(slot);
  }

  /**
   * The server process exits (ivshmem_server_close): it frees its clients in connection order,
   * each one hung up on and the remaining ones told it is gone, as contrib/ivshmem-server does.
   * So the first client keeps every peer it had, the last one none; eventfds they hold keep
   * working between them, and nobody new can join.
   */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.record('stopped', -1, 'server stopped');
    for (const peer of this.peerList.slice()) {
      peer.sink.hangup();
      this.drop(peer);
    }
  }
}
