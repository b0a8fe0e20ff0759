// The ivshmem2-server protocol, version 2, as Jan Kiszka's RFC defines it for ivshmem-v2
// (include/hw/misc/ivshmem2.h of the RFC): every message is {le32 type, le32 len} followed by its
// fields, little-endian, with at most one descriptor attached (here a handle, as in version 0).
//
//   INIT       0  version, compatible version, ID, max peers, vectors, protocol (le32 each),
//                 output section size (le64); + the shared memory                   40 bytes
//   EVENT_FD   1  ID, vector (le32); + that peer's eventfd for that vector          16 bytes
//   PEER_GONE  2  ID (le32)                                                         12 bytes
//
// On connect the newcomer gets INIT, then the server's EVENT_FD messages in version 0's order
// (src/server/ivshmem2-server.ts); a departure is one PEER_GONE to everyone left.
import type { Handle, ServerMessage } from './protocol.ts';

export const IVSHMEM2_PROTOCOL_VERSION = 2;
export const MSG_INIT = 0;
export const MSG_EVENT_FD = 1;
export const MSG_PEER_GONE = 2;
export const INIT_SIZE = 40;
export const EVENT_FD_SIZE = 16;
export const PEER_GONE_SIZE = 12;
const HEADER_SIZE = 8;

/** What INIT tells a newcomer. */
export interface InitialInfo {
  version: number;
  compatibleVersion: number;
  id: number;
  maxPeers: number;
  vectors: number;
  protocol: number;
  outputSectionSize: bigint;
}

/**
 * A version 2 message from its bytes: `value` is what a version 0 reader would take from the
 * stream first, the first 8 bytes as a little-endian int64.
 */
export function frameMessage(bytes: Uint8Array, handle?: Handle): ServerMessage {
  const first = new Uint8Array(8);
  first.set(bytes.subarray(0, 8));
  const value = new DataView(first.buffer).getBigInt64(0, true);
  return handle ? { value, bytes, handle } : { value, bytes };
}

function build(type: number, size: number, fill: (view: DataView) => void, handle?: Handle): ServerMessage {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, size, true);
  fill(view);
  return frameMessage(bytes, handle);
}

export function initMessage(info: InitialInfo, memory: Handle): ServerMessage {
  return build(MSG_INIT, INIT_SIZE, (view) => {
    view.setUint32(8, info.version, true);
    view.setUint32(12, info.compatibleVersion, true);
    view.setUint32(16, info.id, true);
    view.setUint32(20, info.maxPeers, true);
    view.setUint32(24, info.vectors, true);
    view.setUint32(28, info.protocol, true);
    view.setBigUint64(32, info.outputSectionSize, true);
  }, memory);
}

export function eventFdMessage(id: number, vector: number, slot: number): ServerMessage {
  return build(MSG_EVENT_FD, EVENT_FD_SIZE, (view) => {
    view.setUint32(8, id, true);
    view.setUint32(12, vector, true);
  }, { kind: 'eventfd', slot });
}

export function peerGoneMessage(id: number): ServerMessage {
  return build(MSG_PEER_GONE, PEER_GONE_SIZE, (view) => view.setUint32(8, id, true));
}

/** The header of a version 2 message, or undefined when it has fewer than its 8 bytes. */
export function messageHeader(bytes: Uint8Array): { type: number; len: number; view: DataView } | undefined {
  if (bytes.byteLength < HEADER_SIZE) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { type: view.getUint32(0, true), len: view.getUint32(4, true), view };
}

/** INIT's fields (the caller checked that it has its 40 bytes). */
export function readInit(view: DataView): InitialInfo {
  return {
    version: view.getUint32(8, true),
    compatibleVersion: view.getUint32(12, true),
    id: view.getUint32(16, true),
    maxPeers: view.getUint32(20, true),
    vectors: view.getUint32(24, true),
    protocol: view.getUint32(28, true),
    outputSectionSize: view.getBigUint64(32, true),
  };
}
