// How ivshmem-flat reads its server (QEMU 10.0's ivshmem_flat_connect_server and
// ivshmem_flat_process_msg), where it differs from QEMU's PCI ivshmem: the version is read and not
// checked; an ID is the message's low 16 bits, unchecked, so after the handshake -1 is peer 65535
// rather than the memory again; the third message must be the memory; a peer's eventfds beyond
// IVSHMEM_MAX_VECTOR_NUM are closed without a word; and of the device's own eventfds only vector
// 0's interrupts it.
//
// That last one is QEMU's: ivshmem_flat_add_vector registers every own eventfd's handler with
// `&peer->vector` (vector 0's VectorInfo) as its opaque, so each handler tests and clears vector 0's
// eventfd. An event on vector 0 pulses the IRQ; an event on any other vector is never read (and its
// fd stays readable). The unmerged documentation of the series says it outright: "The ivshmem-flat
// device currently only supports notification via vector 0. Notification via other vectors are
// ignored." So here only vector 0's eventfd is bound to the device; the others keep their counts,
// as an eventfd nobody reads does.
import { QemuError } from '../../errors.ts';
import { SHM_MESSAGE } from '../../server/protocol.ts';
import type { ServerDialect } from '../../device/server-client.ts';
import { NO_SHMEM, SIZE_DIFFERENT } from './messages.ts';

/** `peer_id = 0xFFFF & msg`: a uint16_t, whatever the message held. */
const low16 = (value: bigint) => Number(BigInt.asUintN(16, value));

export const FLAT_DIALECT: ServerDialect = {
  // step 0: read, traced, and never looked at again
  version: () => {},
  id: (value) => low16(value),
  memory(value, fd) {
    if (value !== SHM_MESSAGE || fd === undefined) throw new QemuError(NO_SHMEM);
    // any fd passes as the memory; an eventfd's fstat size is 0, which the size check refuses
    if (fd.kind !== 'memory') throw new QemuError(SIZE_DIFFERENT);
  },
  peer: (value) => low16(value),
  extraEventfds: 'close',
  interrupts: (vector) => vector === 0,
};
