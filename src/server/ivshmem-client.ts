// A host-side client of the server, as contrib/ivshmem-client is one: no device, no guest; it
// learns every peer's eventfds, rings them (`int <peer> <vector>`, `int <peer> all`, `int all`)
// and hears its own (`receive notification from peer_id=P vector=V`, P being its own ID: an
// eventfd does not say who wrote it). It is how the host talks to guests, and what
// `client.command()` offers as the sample client's `cmd>` prompt: the same commands, parsed the
// same way (strsep on "\n\r;", strcmp, sscanf), printing the same words (main.c and
// ivshmem-client.c); `fd=` in `dump` shows the eventfd slot.
import { QemuError, checkInteger, checkString } from '../errors.ts';
import type { CoreExports } from '../core/core.ts';
import * as L from '../../assembly/layout.ts';
import { PROTOCOL_VERSION, SHM_MESSAGE, type MessageSink, type ServerMessage } from './protocol.ts';
import type { ServerConnection, ServerEndpoint } from './server.ts';

export interface Notification {
  /** the client's own ID (the eventfd's owner), as the sample client prints it */
  peer: number;
  vector: number;
  /** how many signals the eventfd had counted when it was read */
  count: number;
}

// ivshmem_client_cmdline_help
const HELP = `dump: dump peers (including us)
int <peer> <vector>: notify one vector on a peer
int <peer> all: notify all vectors of a peer
int all: notify all vectors of all peers (excepting us)`;

/** IVSHMEM_CLIENT_MAX_VECTORS: more vectors for one peer and the client fails */
const MAX_VECTORS = 64;

// sscanf's %d: optional white space, an optional sign, at least one digit.
function scanInt(text: string, at: number): { value: number; end: number } | undefined {
  const m = /^\s*([+-]?\d+)/.exec(text.slice(at));
  return m ? { value: Number(m[1]) | 0, end: at + m[0].length } : undefined;
}

// sscanf(token, "int %d <rest>"): the conversions that succeed, in order.
function scanIntCommand(token: string, second: 'int' | 'all'): number[] {
  const m = /^int/.exec(token);
  if (!m) return [];
  const peer = scanInt(token, 3);
  if (!peer) return [];
  if (second === 'all') return [peer.value];
  const vector = scanInt(token, peer.end);
  return vector ? [peer.value, vector.value] : [peer.value];
}

export class IvshmemClient implements MessageSink {
  /** the ID the server gave this client (-1 until it has) */
  id = -1;
  /** where the server's memory is, once sent */
  memory: { offset: number; size: number } | undefined;
  /** every peer's eventfd slots, this client included, by ID */
  readonly peers = new Map<number, number[]>();
  readonly notifications: Notification[] = [];
  /** what the sample client would have printed, line by line */
  readonly output: string[] = [];
  onNotification: (n: Notification) => void = () => {};
  private connection: ServerConnection | undefined;
  private error: string | undefined;
  private phase: 'version' | 'id' | 'memory' | 'running' | 'closed' = 'version';
  private readonly watched = new Set<number>();

  /** @internal clients are made by host.connectClient */
  constructor(private readonly core: CoreExports, private readonly sharedMemory: WebAssembly.Memory) {}

  /** @internal connects; a server that breaks the protocol is hung up on with an error */
  attach(server: ServerEndpoint): void {
    this.connection = server.connect(this);
    if (this.error) {
      this.close();
      throw new QemuError(`ivshmem-client: ${this.error}`);
    }
  }

  receive({ value, handle }: ServerMessage): void {
    if (this.phase === 'closed') return;
    if (this.phase === 'version') {
      if (value !== PROTOCOL_VERSION || handle) return this.fail(`bad protocol version ${value}`);
      this.phase = 'id';
    } else if (this.phase === 'id') {
      if (handle || value < 0n || value > 65535n) return this.fail('bad ID message');
      this.id = Number(value);
      this.phase = 'memory';
    } else if (this.phase === 'memory') {
      if (value !== SHM_MESSAGE || handle?.kind !== 'memory') return this.fail('no shared memory message');
      this.memory = { offset: handle.offset, size: handle.size };
      this.phase = 'running';
    } else if (handle?.kind === 'eventfd') {
      const id = Number(value);
      const slots = this.peers.get(id) ?? [];
      if (slots.length >= MAX_VECTORS) return this.fail('Too many vectors received');
      this.core.eventfdRef(handle.slot);
      slots.push(handle.slot);
      this.peers.set(id, slots);
      if (id === this.id) this.watch(handle.slot, slots.length - 1);
    } else {
      // ivshmem_client_handle_server_msg: a delete for an unknown peer, or for ourselves, fails
      const id = Number(value);
      const slots = this.peers.get(id);
      if (!slots || id === this.id) return this.fail(`receive delete for invalid peer ${id}`);
      for (const slot of slots) this.core.eventfdUnref(slot);
      this.peers.delete(id);
    }
  }

  /** The server hung up (it exited): main.c says so and frees every peer. */
  hangup(): void {
    if (this.phase === 'closed') return;
    this.output.push('disconnected from server');
    this.close();
  }

  /** The shared memory as the client maps it. */
  get bytes(): Uint8Array | undefined {
    return this.memory && new Uint8Array(this.sharedMemory.buffer, this.memory.offset, this.memory.size);
  }

  /** `int <peer> <vector>`: signals one eventfd of a peer; false if there is no such peer/vector. */
  notify(peer: number, vector: number): boolean {
    checkInteger('notify: the peer ID', peer, 0, 0xffff);
    checkInteger('notify: the vector', vector, 0, 0xffff);
    const slot = this.peers.get(peer)?.[vector];
    if (slot === undefined) return false;
    this.core.eventfdSignal(slot, 1);
    return true;
  }

  /**
   * What the sample client does with a line typed at its `cmd>` prompt
   * (ivshmem_client_handle_stdin_command); returns what it printed.
   */
  command(line: string): string {
    checkString('command: the line', line);
    const printed: string[] = [];
    const out = (text: string) => { printed.push(text); this.output.push(text); };
    for (const token of line.split(/[\n\r;]/)) {
      if (token === '') continue;
      if (token === '?') out(HELP);
      // '?' printed the help above and, being no command below, also "invalid command"
      if (token === 'help') out(HELP);
      else if (token === 'dump') out(this.dump());
      else if (token === 'int all') {
        for (const [id, slots] of this.peers) if (id !== this.id) slots.forEach((slot) => this.core.eventfdSignal(slot, 1));
      } else if (scanIntCommand(token, 'int').length === 2) {
        const [peer, vector] = scanIntCommand(token, 'int');
        const slots = this.peers.get(peer);
        if (!slots) out(`cannot find peer_id = ${peer}`);
        // an invalid vector is only reported in verbose mode
        else if (vector >= 0 && vector < slots.length) this.core.eventfdSignal(slots[vector], 1);
      } else if (scanIntCommand(token, 'all').length === 1) {
        const [peer] = scanIntCommand(token, 'all');
        const slots = this.peers.get(peer);
        if (!slots) out(`cannot find peer_id = ${peer}`);
        else slots.forEach((slot) => this.core.eventfdSignal(slot, 1));
      } else out('invalid command, type help');
    }
    return printed.join('\n');
  }

  /** `dump` (ivshmem_client_dump): our ID and vectors, then every peer's, in the order they came. */
  dump(): string {
    const lines = [`our_id = ${this.id}`];
    const vectors = (slots: number[]) => slots.forEach((slot, v) => lines.push(`  vector ${v} is enabled (fd=${slot})`));
    vectors(this.peers.get(this.id) ?? []);
    for (const [id, slots] of this.peers) {
      if (id === this.id) continue;
      lines.push(`peer_id = ${id}`);
      vectors(slots);
    }
    return lines.join('\n');
  }

  /** Hangs up: the server tells everyone this client is gone. */
  close(): void {
    if (this.phase === 'closed' && !this.error) return;
    this.phase = 'closed';
    this.connection?.close();
    this.connection = undefined;
    for (const slots of this.peers.values()) for (const slot of slots) this.core.eventfdUnref(slot);
    this.peers.clear();
  }

  // Never throws into the server that is sending: the connection is dropped once it returns.
  // What main.c prints: during setup it cannot connect (and would retry); afterwards
  // ivshmem_client_handle_fds() fails and it is disconnected.
  private fail(why: string): void {
    if (this.phase === 'running') this.output.push('ivshmem_client_handle_fds() failed', 'disconnected from server');
    else this.output.push('cannot connect to server, retry in 1 second');
    this.error ??= why;
    if (this.connection) this.close();
    else this.phase = 'closed';
  }

  // The host never blocks: each own eventfd is watched with Atomics.waitAsync and read when it moves.
  private watch(slot: number, vector: number): void {
    if (this.watched.has(slot)) return;
    this.watched.add(slot);
    const words = new Int32Array(this.sharedMemory.buffer, L.EVENTFD_BASE + slot * L.EVENTFD_STRIDE, L.EVENTFD_STRIDE / 4);
    const loop = async () => {
      while (this.phase !== 'closed') {
        const count = this.core.eventfdRead(slot);
        if (count > 0) {
          const n = { peer: this.id, vector, count };
          this.notifications.push(n);
          this.output.push(`receive notification from peer_id=${this.id} vector=${vector}`);
          this.onNotification(n);
          continue;
        }
        Atomics.add(words, L.EVENTFD_WAITERS / 4, 1);
        const wait = Atomics.waitAsync(words, L.EVENTFD_COUNT / 4, 0, 250);
        if (wait.async) await wait.value;
        Atomics.sub(words, L.EVENTFD_WAITERS / 4, 1);
      }
    };
    void loop();
  }
}
