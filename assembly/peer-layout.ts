// A device's peer table (assembly/peers.ts walks it, src/device/peer-table.ts sizes it). Integer
// constants only, valid AssemblyScript and valid TypeScript, like every *-layout.ts.
//
// It lives outside the device block, where the host put it at realize, so 256 or 65536 peers cost
// what they need and no more; the block's identity line says where (DEV_PEER_TABLE), how many
// entries it has room for (DEV_PEER_CAPACITY) and how long one is (DEV_PEER_STRIDE), and
// DEV_PEER_COUNT how many are in use (device-layout.ts). Only the device's own thread writes it.
//
//   entry[DEV_PEER_CAPACITY], DEV_PEER_STRIDE = PEER_SLOTS + 4n bytes each,
//   n = min(max(vectors, 1), PEER_VECTORS_MAX):
//     +0   the peer's ID
//     +4   how many of its eventfds the device holds (one per vector, in the order received)
//     +8   eventfd slot[n]
export const PEER_VECTORS_MAX = 64;
export const PEER_ID = 0;
export const PEER_NB_EVENTFDS = 4;
export const PEER_SLOTS = 8;
