// The ivshmem2-server of Jan Kiszka's RFC (contrib/ivshmem2-server), for ivshmem-v2 devices:
// protocol version 2 (src/server/ivshmem2-protocol.ts). Beside what ivshmem-server does
// (src/server/server-base.ts) it fixes, for every peer, the maximum number of peers (the state
// table has an entry per peer), the size of each peer's output section and the protocol type
// the devices announce in their class code; it hands out the lowest free ID below the maximum,
// and when a peer leaves it writes 0 into the peer's state table entry before telling the others.
import { QemuError, show } from '../errors.ts';
import * as L from '../../assembly/layout.ts';
import { IVSHMEM2_PROTOCOL_VERSION, eventFdMessage, initMessage, peerGoneMessage } from './ivshmem2-protocol.ts';
import type { ServerMessage } from './protocol.ts';
import { ServerBase, sizeOption, type Peer, type ServerHost, type SharedServerOptions } from './server-base.ts';
import { SERVER_MAX_VECTORS } from './server.ts';

export interface Ivshmem2ServerOptions extends SharedServerOptions {
  /** -o: the size of each peer's output section, K/M/G suffixes (default 0: none) */
  outputSectionSize?: string | number;
  /** -n: the maximum number of peers, 2 to 1024 (default 2) */
  maxPeers?: number;
  /** -V: vectors per peer, 0 to 64 (default 1) */
  vectors?: number;
  /**
   * -P: the 16-bit protocol type the devices announce (default 0): 0x0001 Ethernet, 0x4000-0x7fff
   * user-defined, 0x8000-0xffff virtio (then 2 peers at most: peer 0 is told the back-end type,
   * with bit 14 set, the other the front-end type)
   */
  protocol?: number;
}

/** The largest maximum of peers: the state table is one page of 32-bit entries (the RFC's device maps 4 KiB). */
export const IVSHMEM2_MAX_PEERS = L.V2_STATE_TABLE_SIZE / 4;

// The bit that makes a virtio front-end type (0x8000-0xbfff) its back-end's (0xc000-0xffff).
const BACK_END = L.V2_PROTOCOL_VIRTIO_BACK & ~L.V2_PROTOCOL_VIRTIO_FRONT;

interface Checked { outputSectionSize: number; maxPeers: number; vectors: number; protocol: number }

// contrib/ivshmem2-server/main.c's checks, with its messages; the bounds it leaves out (a maximum
// of peers the state table holds, a 16-bit protocol) are this project's, said as such.
function checkOptions(options: Ivshmem2ServerOptions): Checked {
  const output = sizeOption(options.outputSectionSize, '0');
  if (!Number.isSafeInteger(output) || output < 0) {
    throw new QemuError("Parameter 'output_section_size' expects a non-negative number below 2^64");
  }
  const integer = (value: unknown, fallback: number, what: string): number => {
    const n = value === undefined ? fallback : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new QemuError(`cannot parse ${what}`);
    return n;
  };
  const maxPeers = integer(options.maxPeers, 2, 'max-peers');
  const vectors = integer(options.vectors, 1, 'vectors');
  const protocol = integer(options.protocol, 0, 'protocol');
  if (vectors > SERVER_MAX_VECTORS) throw new QemuError(`too many requested vectors (max is ${SERVER_MAX_VECTORS})`);
  if (protocol >= L.V2_PROTOCOL_VIRTIO_FRONT && maxPeers > 2) throw new QemuError('virtio protocols only support 2 peers');
  if (maxPeers < 2 || maxPeers > IVSHMEM2_MAX_PEERS) {
    throw new QemuError(`invalid maximum number of peers: ${show(options.maxPeers)} (2 to ${IVSHMEM2_MAX_PEERS}: the state table is one 4 KiB page of 32-bit entries)`);
  }
  if (protocol > 0xffff) throw new QemuError(`invalid protocol: ${protocol} (the protocol type is 16-bit, 0 to 0xffff)`);
  return { outputSectionSize: output, maxPeers, vectors, protocol };
}

export class Ivshmem2Server extends ServerBase {
  readonly version = IVSHMEM2_PROTOCOL_VERSION;
  readonly vectors: number;
  readonly maxPeers: number;
  readonly outputSectionSize: number;
  readonly protocol: number;

  /** @internal servers are started by host.addServer2 */
  constructor(host: ServerHost, options: Ivshmem2ServerOptions) {
    const checked = checkOptions(options);
    super(host, options);
    this.vectors = checked.vectors;
    this.maxPeers = checked.maxPeers;
    this.outputSectionSize = checked.outputSectionSize;
    this.protocol = checked.protocol;
  }

  /** The lowest free ID, if it is below the maximum of peers. */
  nextId(): number | undefined {
    const taken = new Set(this.peerIds);
    let id = 0;
    while (taken.has(id)) id++;
    return id < this.maxPeers ? id : undefined;
  }

  /** The protocol a peer is told: with virtio, peer 0 is the back-end and the others front-ends. */
  protocolOf(id: number): number {
    if (this.protocol < L.V2_PROTOCOL_VIRTIO_FRONT) return this.protocol;
    const front = this.protocol & ~BACK_END;
    return id === 0 ? front | BACK_END : front;
  }

  protected welcome(peer: Peer): [ServerMessage, string][] {
    const info = {
      version: IVSHMEM2_PROTOCOL_VERSION,
      compatibleVersion: IVSHMEM2_PROTOCOL_VERSION,
      id: peer.id,
      maxPeers: this.maxPeers,
      vectors: this.vectors,
      protocol: this.protocolOf(peer.id),
      outputSectionSize: BigInt(this.outputSectionSize),
    };
    const memory = { kind: 'memory', offset: this.file.region.offset, size: this.size, path: this.file.path } as const;
    const hex = `0x${info.protocol.toString(16).padStart(4, '0')}`;
    return [[initMessage(info, memory), `INIT: your ID ${peer.id}, ${this.maxPeers} peers, ${this.vectors} vectors, protocol ${hex}, output sections of ${this.outputSectionSize} bytes, and the shared memory`]];
  }

  protected eventfdMessage(owner: Peer, vector: number): ServerMessage {
    return eventFdMessage(owner.id, vector, owner.slots[vector]);
  }

  protected goneMessage(id: number): ServerMessage {
    return peerGoneMessage(id);
  }

  // ivshmem_server_free_peer: the departed peer's state table entry goes back to 0 first.
  protected forget(peer: Peer): void {
    if (peer.id * 4 + 4 > this.size) return;
    Atomics.store(new Int32Array(this.host.memory.buffer, this.file.region.offset, peer.id + 1), peer.id, 0);
  }
}
