// Where a device's peer table is and how big (assembly/peers.ts walks it; layout in
// assembly/peer-layout.ts): the host allocates it beside the device block at realize,
// with room for the host's maxPeers peers and as many eventfds per peer as the device has
// vectors (at most PEER_VECTORS_MAX, the sample server's own maximum).
import * as L from '../../assembly/layout.ts';

/** The peers a device tracks unless Host.create({ maxPeers }) says otherwise. */
export const DEFAULT_MAX_PEERS = 1024;
/** IDs are 16 bits: no server can have more peers than this. */
export const MAX_PEERS_LIMIT = 0x10000;

export function peerStride(vectors: number): number {
  return L.PEER_SLOTS + 4 * Math.min(Math.max(vectors, 1), L.PEER_VECTORS_MAX);
}

export function peerTableBytes(capacity: number, vectors: number): number {
  return capacity * peerStride(vectors);
}

/** The peers in a device's table, in table order. */
export function readPeers(view: DataView, block: number): { id: number; vectors: number }[] {
  const count = view.getInt32(block + L.DEV_PEER_COUNT, true);
  const table = view.getInt32(block + L.DEV_PEER_TABLE, true);
  const stride = view.getInt32(block + L.DEV_PEER_STRIDE, true);
  const peers = [];
  for (let i = 0; i < count; i++) {
    const entry = table + i * stride;
    peers.push({ id: view.getInt32(entry + L.PEER_ID, true), vectors: view.getInt32(entry + L.PEER_NB_EVENTFDS, true) });
  }
  return peers;
}
