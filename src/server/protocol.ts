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

export const PROTOCOL_VERSION = 0n;
export const SHM_MESSAGE = -1n;

export type Handle =
  | { kind: 'memory'; offset: number; size: number; path: string }
  | { kind: 'eventfd'; slot: number };

export interface ServerMessage {
  value: bigint;
  handle?: Handle;
}

/** Where the server writes one client's messages: the client's end of its socket. */
export interface MessageSink {
  receive(message: ServerMessage): void;
  /** The server hung up (it was stopped). */
  hangup(): void;
}

export function describeMessage(message: ServerMessage): string {
  const { value, handle } = message;
  if (!handle) return `${value}`;
  return handle.kind === 'memory' ? `${value} + shm ${handle.path}` : `${value} + eventfd ${handle.slot}`;
}
