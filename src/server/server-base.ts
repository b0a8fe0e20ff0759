// What contrib/ivshmem-server and the RFC's ivshmem2-server share: one shared memory (a POSIX shm
// object), one eventfd per vector for every client, a newcomer told about everyone and everyone
// about the newcomer in the same order, departures told to everyone left, every message logged.
// Each server says how it hands out IDs and how its messages look (src/server/server.ts, version
// 0; src/server/ivshmem2-server.ts, version 2).
import { QemuError, show } from '../errors.ts';
import { parseSize, formatSize } from '../options/size.ts';
import type { Region } from '../memory/region-allocator.ts';
import type { SharedFile } from '../memory/backend.ts';
import { describeMessage, type MessageSink, type ServerMessage } from './protocol.ts';

const MAX_SHM_SIZE = 1 << 30;

/**
 * What a device needs of a server behind its chardev. `Server` and `Ivshmem2Server` are two;
 * `Host.addChardev` takes any other, for playing with the protocol (or breaking it on purpose).
 */
export interface ServerEndpoint {
  readonly id: string;
  readonly socket: string;
  readonly isRunning: boolean;
  /** the protocol it speaks: 0 (ivshmem-server, when not said) or 2 (ivshmem2-server) */
  readonly version?: number;
  /** the ID the next client would get, if the server can tell (changes nothing) */
  nextId(): number | undefined;
  /** the connected clients' IDs, if the server can tell */
  readonly peerIds?: number[];
  /** the size of the memory it hands out, if the server can tell */
  readonly memorySize?: number;
  /** eventfds per client, if the server can tell (a version 2 device sizes its tables by it) */
  readonly vectors?: number;
  /** a version 2 server's maximum peers and output section size, if it can tell */
  readonly maxPeers?: number;
  readonly outputSectionSize?: number;
  connect(sink: MessageSink): ServerConnection;
}

export interface ServerHost {
  readonly memory: WebAssembly.Memory;
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

/** The server's end of one client connection. */
export interface ServerConnection {
  readonly id: number;
  /** The client is gone (EOF on its socket): the server tells every other client. */
  close(): void;
}

/** The options both servers take, as their command lines do. */
export interface SharedServerOptions {
  /** the chardev id devices name in `chardev=` */
  id: string;
  /** -S: the UNIX socket path (default /tmp/ivshmem_socket) */
  socket?: string;
  /** -M: the POSIX shm name, so the memory is also /dev/shm/NAME (default ivshmem) */
  shm?: string;
  /** -l: shared memory size, K/M/G suffixes (default 4M), rounded up to a power of two */
  size?: string | number;
  /** how many log entries to keep (default 10000); older ones are dropped and counted */
  logLimit?: number;
}

export interface Peer {
  id: number;
  slots: number[];
  sink: MessageSink;
}

function pow2ceil(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

/** A size option as the servers' -l and -o read it (parse_option_size), in bytes. */
export function sizeOption(asked: unknown, fallback: string): number {
  return typeof asked === 'number' ? asked
    : asked === undefined || typeof asked === 'string' ? Number(parseSize(asked ?? fallback) ?? NaN) : NaN;
}

export abstract class ServerBase implements ServerEndpoint {
  readonly id: string;
  readonly socket: string;
  readonly shm: string;
  readonly size: number;
  readonly file: SharedFile;
  readonly log: ServerLogEntry[] = [];
  /** log entries dropped to stay within logLimit */
  logDropped = 0;
  /** Told of every message sent (the host's trace listens here). */
  onSend?: (to: number, message: ServerMessage) => void;
  abstract readonly version: number;
  protected readonly peerList: Peer[] = [];
  /** @internal where the server's memory and eventfds come from */
  protected readonly host: ServerHost;
  private readonly logLimit: number;
  private running = true;

  /** @internal servers are started by host.addServer and host.addServer2 */
  constructor(host: ServerHost, options: SharedServerOptions) {
    this.host = host;
    this.id = options.id;
    this.socket = options.socket === undefined ? '/tmp/ivshmem_socket' : options.socket;
    this.shm = options.shm === undefined ? 'ivshmem' : options.shm;
    if (typeof this.socket !== 'string') throw new QemuError(`the socket path must be a string, not ${show(this.socket)}`);
    if (typeof this.shm !== 'string' || this.shm === '' || this.shm.includes('/')) {
      throw new QemuError(`invalid shm name: ${show(this.shm)} (a name for /dev/shm, without '/')`);
    }
    this.logLimit = options.logLimit === undefined ? 10000 : options.logLimit;
    if (!Number.isSafeInteger(this.logLimit) || this.logLimit < 0) {
      throw new QemuError(`invalid logLimit: ${show(options.logLimit)} (how many log entries to keep, 0 or more)`);
    }
    const asked = options.size;
    const requested = sizeOption(asked, '4M');
    if (!Number.isSafeInteger(requested) || requested <= 0) {
      throw new QemuError(`invalid shm size: ${typeof asked === 'string' ? asked : show(asked)}`);
    }
    this.size = pow2ceil(requested);
    this.file = this.openMemory();
  }

  // A subclass checks its own options before it calls this constructor: a server refused for a
  // bad option takes no memory.
  private openMemory(): SharedFile {
    if (this.size > MAX_SHM_SIZE) {
      throw new QemuError(`ftruncate(${this.shm}) failed: the server cannot make shared memory above 1G (asked for ${formatSize(this.size)})`);
    }
    const path = `/dev/shm/${this.shm}`;
    const existing = this.host.files.get(path);
    if (existing && existing.size !== this.size) {
      throw new QemuError(`ftruncate(${this.shm}) failed: ${path} exists with size ${formatSize(existing.size)}`);
    }
    const file = existing ?? { path, region: this.host.allocate(this.size, this.shm), size: this.size };
    this.host.files.set(path, file);
    return file;
  }

  get memorySize(): number {
    return this.file.size;
  }

  /** The shared memory, live, as a host process that maps /dev/shm/NAME sees it. */
  get bytes(): Uint8Array {
    return new Uint8Array(this.host.memory.buffer, this.file.region.offset, this.file.size);
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

  /** The ID the next client will get, or undefined when none is free; changes nothing. */
  abstract nextId(): number | undefined;
  /** eventfds per client */
  abstract readonly vectors: number;
  /** The newcomer's greeting, before anyone's eventfds: what each message means to it. */
  protected abstract welcome(peer: Peer): [ServerMessage, string][];
  /** `owner`'s eventfd for `vector`, as a message to anyone. */
  protected abstract eventfdMessage(owner: Peer, vector: number): ServerMessage;
  /** `id` is gone, as a message to the others. */
  protected abstract goneMessage(id: number): ServerMessage;
  /** The ID is now taken; returns what undoes that, for a newcomer that fails its greeting. */
  protected claimId(_id: number): () => void {
    return () => {};
  }
  /** A client is gone, before the others are told. */
  protected forget(_peer: Peer): void {}

  protected record(event: ServerLogEntry['event'], peer: number, text: string, message?: ServerMessage, meaning?: string): void {
    const seq = this.log.length + this.logDropped;
    this.log.push({ seq, event, peer, message, text, meaning });
    if (this.log.length > this.logLimit) {
      this.log.shift();
      this.logDropped++;
    }
  }

  private send(peer: Peer, message: ServerMessage, meaning: string): void {
    this.record('send', peer.id, `to ${peer.id}: ${describeMessage(message)}`, message, meaning);
    this.onSend?.(peer.id, message);
    peer.sink.receive(message);
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
    const unclaim = this.claimId(id);
    this.record('connect', id, `client ${id} connected`);
    const told: Peer[] = [];
    try {
      this.greet(peer, told);
    } catch (error) {
      this.record('disconnect', id, `client ${id} disconnected (it failed to take the server's messages)`);
      for (const other of told) this.tell(other, this.goneMessage(id), `peer ${id} is gone`);
      for (const slot of peer.slots) this.host.releaseEventfd(slot);
      unclaim();
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

  // contrib/ivshmem-server's order, kept by ivshmem2-server: the greeting to the newcomer; its
  // eventfds to everyone else; everyone's eventfds to it; its own eventfds last.
  private greet(peer: Peer, told: Peer[]): void {
    const id = peer.id;
    for (const [message, meaning] of this.welcome(peer)) this.send(peer, message, meaning);
    const others = this.peerList.slice();
    for (const other of others) {
      told.push(other);
      peer.slots.forEach((_, v) => this.tell(other, this.eventfdMessage(peer, v), `peer ${id} vector ${v} (new peer)`));
    }
    for (const other of others) {
      other.slots.forEach((_, v) => this.send(peer, this.eventfdMessage(other, v), `peer ${other.id} vector ${v}`));
    }
    peer.slots.forEach((_, v) => this.send(peer, this.eventfdMessage(peer, v), `your vector ${v}`));
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
    this.forget(peer);
    for (const other of this.peerList) this.tell(other, this.goneMessage(peer.id), `peer ${peer.id} is gone`);
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
