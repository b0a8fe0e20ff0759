// contrib/ivshmem-server's policy and messages (QEMU's contrib/ivshmem-server/ivshmem-server.c): IDs from a 16-bit counter that
// moves on (the next free ID at or after it, at most 65535 candidates looked at); on connect,
// version, ID and the memory to the newcomer, the newcomer's eventfds to everyone, everyone's to
// the newcomer, then its own; on disconnect, the ID alone to everyone left. Peers in connect order.

/** One message on the wire: an int64 and what descriptor rides with it. */
export interface WireMessage {
  to: number;
  value: bigint;
  fd?: { kind: 'memory' } | { kind: 'eventfd'; owner: number; vector: number };
}

export class ModelServer {
  /** connected peers, in the order they connected */
  readonly peers: number[] = [];
  readonly wire: WireMessage[] = [];
  private curId = 0;

  constructor(readonly vectors: number, private readonly idSpace = 0x10000) {}

  /** ivshmem_server_handle_new_conn's search, without taking the ID */
  nextId(): number | undefined {
    let id = this.curId;
    for (let i = 0; i < Math.min(0xffff, this.idSpace); i++) {
      if (!this.peers.includes(id)) return id;
      id = (id + 1) % this.idSpace;
    }
    return undefined;
  }

  /** A client connects: the messages it and the others receive, in the server's order. */
  connect(): { id: number; sent: WireMessage[] } | undefined {
    const id = this.nextId();
    if (id === undefined) return undefined;
    this.curId = (id + 1) % this.idSpace;
    const sent: WireMessage[] = [
      { to: id, value: 0n },
      { to: id, value: BigInt(id) },
      { to: id, value: -1n, fd: { kind: 'memory' } },
    ];
    const eventfd = (to: number, owner: number, vector: number): WireMessage => ({ to, value: BigInt(owner), fd: { kind: 'eventfd', owner, vector } });
    for (const other of this.peers) for (let v = 0; v < this.vectors; v++) sent.push(eventfd(other, id, v));
    for (const other of this.peers) for (let v = 0; v < this.vectors; v++) sent.push(eventfd(id, other, v));
    for (let v = 0; v < this.vectors; v++) sent.push(eventfd(id, id, v));
    this.peers.push(id);
    this.wire.push(...sent);
    return { id, sent };
  }

  /** ivshmem_server_free_peer: the others hear the ID without a descriptor. */
  disconnect(id: number): WireMessage[] {
    const index = this.peers.indexOf(id);
    if (index < 0) return [];
    this.peers.splice(index, 1);
    const sent = this.peers.map((to) => ({ to, value: BigInt(id) }));
    this.wire.push(...sent);
    return sent;
  }
}
