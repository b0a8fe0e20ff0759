// The ivshmem-server wire protocol, one way from server to client (QEMU's docs/specs/ivshmem-spec):
// every message is a little-endian int64 with at most one attached descriptor. On a real host
// the descriptor travels by SCM_RIGHTS; here a handle names a region or an eventfd slot of the
// shared memory, which every worker can reach.
//
//   on connect:  0            protocol version (no handle)
//                ID           the client's own ID, 0..65535 (no handle)
//                -1 + memory  the shared memory
//                P + eventfd  for every existing peer P, once per vector, in vector order
//                ID + eventfd the client's own vectors, once per vector
//   later:       P + eventfd  peer P connected (one message per vector)
//                P            peer P disconnected
//
// The ivshmem2-server's protocol (version 2, src/server/ivshmem2-protocol.ts) sends whole messages
// of its own, {le32 type, le32 len, ...}: a message carries them in `bytes`, and its `value` is what
// a reader of the version 0 protocol would take from the stream first (the first 8 bytes).

export const PROTOCOL_VERSION = 0n;
export const SHM_MESSAGE = -1n;

export type Handle =
  | { kind: 'memory'; offset: number; size: number; path: string }
  | { kind: 'eventfd'; slot: number };

export interface ServerMessage {
  /** the int64 message; for a version 2 message, its first 8 bytes as one */
  value: bigint;
  handle?: Handle;
  /** a version 2 message (ivshmem2-server) as it goes on the wire, header included */
  bytes?: Uint8Array;
}

/** Where the server writes one client's messages: the client's end of its socket. */
export interface MessageSink {
  receive(message: ServerMessage): void;
  /** The server hung up (it was stopped). */
  hangup(): void;
}

/** The wire view of a message: `3`, `3 + eventfd 7`, `[01 00 00 00 10 00 ...] + eventfd 7`. */
export function describeMessage(message: ServerMessage): string {
  const { value, handle, bytes } = message;
  const data = bytes ? `[${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')}]` : `${value}`;
  if (!handle) return data;
  return handle.kind === 'memory' ? `${data} + shm ${handle.path}` : `${data} + eventfd ${handle.slot}`;
}
