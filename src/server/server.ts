// An ivshmem-server as contrib/ivshmem-server is one: it owns the shared memory and one eventfd
// per vector for every client, hands out IDs from a 16-bit counter that moves on (so IDs are not
// reused until it wraps), sends each new client version, ID, memory, everyone's eventfds and its
// own, tells everyone about newcomers and about the departed. Every message is logged. What it
// shares with the ivshmem2-server is src/server/server-base.ts.
import { QemuError, show } from '../errors.ts';
import { PROTOCOL_VERSION, SHM_MESSAGE, type ServerMessage } from './protocol.ts';
import { ServerBase, type Peer, type ServerHost, type SharedServerOptions } from './server-base.ts';

export type { ServerEndpoint, ServerHost, ServerLogEntry, ServerConnection } from './server-base.ts';

export const SERVER_MAX_VECTORS = 64;

export interface ServerOptions extends SharedServerOptions {
  /** -n: vectors per client, 1..64 (default 1) */
  vectors?: number;
  /**
   * How many IDs the counter cycles through: 65536 as ivshmem-server's uint16 counter. Smaller
   * values exist so the wrap-around and the full server can be shown without 65535 clients.
   */
  idSpace?: number;
}

function checkOptions(options: ServerOptions): { vectors: number; idSpace: number } {
  const vectors = options.vectors === undefined ? 1 : options.vectors;
  if (typeof vectors !== 'number' || !Number.isInteger(vectors) || vectors < 1 || vectors > SERVER_MAX_VECTORS) {
    throw new QemuError(`invalid number of vectors: ${show(vectors)} (the server takes 1 to ${SERVER_MAX_VECTORS})`);
  }
  const idSpace = options.idSpace === undefined ? 0x10000 : options.idSpace;
  if (!Number.isInteger(idSpace) || idSpace < 1 || idSpace > 0x10000) {
    throw new QemuError(`invalid idSpace: ${show(options.idSpace)} (1 to 65536)`);
  }
  return { vectors, idSpace };
}

export class Server extends ServerBase {
  readonly version = 0;
  readonly vectors: number;
  private readonly idSpace: number;
  private curId = 0;

  /** @internal servers are started by host.addServer */
  constructor(host: ServerHost, options: ServerOptions) {
    const { vectors, idSpace } = checkOptions(options);
    super(host, options);
    this.vectors = vectors;
    this.idSpace = idSpace;
  }

  nextId(): number | undefined {
    const taken = new Set(this.peerIds);
    let id = this.curId;
    // contrib/ivshmem-server looks at most G_MAXUINT16 (65535) candidates.
    for (let i = 0; i < Math.min(this.idSpace, 0xffff); i++) {
      if (!taken.has(id)) return id;
      id = (id + 1) % this.idSpace;
    }
    return undefined;
  }

  protected claimId(id: number): () => void {
    const previous = this.curId;
    this.curId = (id + 1) % this.idSpace;
    return () => { this.curId = previous; };
  }

  protected welcome(peer: Peer): [ServerMessage, string][] {
    return [
      [{ value: PROTOCOL_VERSION }, 'protocol version'],
      [{ value: BigInt(peer.id) }, 'your ID'],
      [{ value: SHM_MESSAGE, handle: { kind: 'memory', offset: this.file.region.offset, size: this.size, path: this.file.path } }, 'the shared memory'],
    ];
  }

  protected eventfdMessage(owner: Peer, vector: number): ServerMessage {
    return { value: BigInt(owner.id), handle: { kind: 'eventfd', slot: owner.slots[vector] } };
  }

  protected goneMessage(id: number): ServerMessage {
    return { value: BigInt(id) };
  }
}
