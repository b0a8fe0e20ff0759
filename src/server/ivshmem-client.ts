// A host-side client of the server, as contrib/ivshmem-client is one: no device, no guest; it
// learns every peer's eventfds, rings them (`int <peer> <vector>`, `int <peer> all`, `int all`)
// and hears its own (`receive notification from peer_id=P vector=V`, P being its own ID: an
// eventfd does not say who wrote it). It is how the host talks to guests, and what
// `client.command()` offers as the sample client's `cmd>` prompt.
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

const HELP = `available commands:
  help / ?             show this help
  dump                 dump peers (including ourself)
  int <peer> <vector>  notify one vector on a peer
  int <peer> all       notify all vectors of a peer
  int all              notify all peers (excluding ourself)`;

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
    } else if (value === SHM_MESSAGE) {
      if (handle?.kind !== 'memory') return this.fail('no memory with the shared memory message');
      this.memory = { offset: handle.offset, size: handle.size };
      this.phase = 'running';
    } else if (handle?.kind === 'eventfd') {
      const id = Number(value);
      const slots = this.peers.get(id) ?? [];
      this.core.eventfdRef(handle.slot);
      slots.push(handle.slot);
      this.peers.set(id, slots);
      if (id === this.id) this.watch(handle.slot, slots.length - 1);
    } else {
      const slots = this.peers.get(Number(value));
      for (const slot of slots ?? []) this.core.eventfdUnref(slot);
      this.peers.delete(Number(value));
    }
  }

  hangup(): void {
    this.output.push('server disconnected');
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

  /** One line of the sample client's prompt; returns what it printed. */
  command(line: string): string {
    checkString('command: the line', line);
    const words = line.trim().split(/\s+/);
    const out = (text: string) => { this.output.push(text); return text; };
    if (words[0] === 'help' || words[0] === '?') return out(HELP);
    if (words[0] === 'dump' && words.length === 1) return out(this.dump());
    if (words[0] === 'int' && words.length === 2 && words[1] === 'all') {
      for (const [id, slots] of this.peers) if (id !== this.id) slots.forEach((_, v) => this.notify(id, v));
      return out('');
    }
    if (words[0] === 'int' && words.length === 3) {
      const peer = Number(words[1]);
      const slots = Number.isInteger(peer) ? this.peers.get(peer) : undefined;
      if (!slots) return out(`cannot find peer_id = ${words[1]}`);
      if (words[2] === 'all') {
        slots.forEach((_, v) => this.notify(peer, v));
        return out('');
      }
      const vector = Number(words[2]);
      if (!Number.isInteger(vector) || vector < 0 || vector > 0xffff || !this.notify(peer, vector)) return out(`cannot notify peer_id = ${peer} vector = ${words[2]}`);
      return out('');
    }
    return out('invalid command, type help');
  }

  /** `dump`: our ID and every peer's vectors. */
  dump(): string {
    const lines = [`our_id = ${this.id}`];
    for (const [id, slots] of [...this.peers].sort(([a], [b]) => a - b)) {
      lines.push(id === this.id ? '  (ourself)' : `peer_id = ${id}`);
      slots.forEach((slot, v) => lines.push(`  vector ${v} is enabled (eventfd slot ${slot})`));
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
  private fail(why: string): void {
    this.output.push(`server message error: ${why}`);
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
