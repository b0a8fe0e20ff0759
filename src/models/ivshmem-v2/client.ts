// ivshmem-v2's side of the ivshmem2-server protocol (version 2), as the RFC's ivshmem_recv_setup
// and ivshmem_read handle it, with its messages: INIT first (in realize), then EVENT_FD and
// PEER_GONE as they come. A peer's departure rings the device's own vector 0, so its driver looks
// at the state table. What INIT says is kept in the device block, where the core and the device's
// layout (on the host as in its VM) read it.
import * as L from '../../../assembly/layout.ts';
import { QemuError } from '../../errors.ts';
import { ProtocolClient, type ClientDevice } from '../../device/server-client.ts';
import {
  EVENT_FD_SIZE, INIT_SIZE, IVSHMEM2_PROTOCOL_VERSION, MSG_EVENT_FD, MSG_INIT, MSG_PEER_GONE, PEER_GONE_SIZE,
  messageHeader, readInit,
} from '../../server/ivshmem2-protocol.ts';
import type { ServerMessage } from '../../server/protocol.ts';

const MAX_ID = 0xffff;
const MAX_VECTORS = 1024;

/** The memory's sections cannot hold the state table and every peer's output section. */
export const TOO_SMALL = 'Invalid output section size, shared memory too small';

/** A message as the RFC's reader takes it: a version 0 message is its 8 bytes, read as a header. */
function wireBytes(message: ServerMessage): Uint8Array {
  if (message.bytes instanceof Uint8Array) return message.bytes;
  const bytes = new Uint8Array(8);
  const value = (message as { value?: unknown } | null)?.value;
  if (typeof value !== 'bigint') throw new QemuError('read from server failed: malformed message');
  new DataView(bytes.buffer).setBigInt64(0, BigInt.asIntN(64, value), true);
  return bytes;
}

export class V2Client extends ProtocolClient {
  private vectors = 0;
  // QEMU's peer array: 16 entries at first, grown to every ID an EVENT_FD names (resize_peers);
  // a PEER_GONE beyond it is invalid.
  private peerSpace = 16;
  private readonly view: DataView;

  constructor(device: ClientDevice) {
    super(device);
    this.view = new DataView(device.memory.buffer);
  }

  private set(offset: number, value: number): void {
    this.view.setUint32(this.device.block + offset, value, true);
  }

  protected setupStep(message: ServerMessage): boolean {
    const bytes = message.bytes;
    const header = bytes && messageHeader(bytes);
    if (!header || header.type !== MSG_INIT || header.len < INIT_SIZE || bytes.byteLength < INIT_SIZE) {
      throw new QemuError('server sent invalid initial info');
    }
    const fd = this.checkHandle(message, 'INIT');
    const info = readInit(header.view);
    if (info.compatibleVersion !== IVSHMEM2_PROTOCOL_VERSION) {
      throw new QemuError(`server sent compatible version ${info.compatibleVersion}, expecting ${IVSHMEM2_PROTOCOL_VERSION}`);
    }
    // The RFC takes any ID below 65536; its state table entry must lie in the table, which it does not check.
    if (info.id > MAX_ID || (info.id + 1) * 4 > L.V2_STATE_TABLE_SIZE) throw new QemuError('server sent invalid ID');
    this.ownId = info.id;
    this.device.idRegister.set(info.id);
    if (fd?.kind !== 'memory') throw new QemuError("can't determine size of shared memory sent by server: Bad file descriptor");
    if (info.vectors < 1 || info.vectors > MAX_VECTORS) throw new QemuError('server sent invalid number of vectors message');
    // The device's tables were sized by what the server said before it connected (its vectors).
    if (info.vectors > this.device.vectors) {
      throw new QemuError(`server sent ${info.vectors} vectors, more than the ${this.device.vectors} it announced`);
    }
    const output = info.outputSectionSize * BigInt(info.maxPeers);
    if (output + BigInt(L.V2_STATE_TABLE_SIZE) > BigInt(fd.size)) throw new QemuError(TOO_SMALL);
    this.mapMemory(fd);
    this.vectors = info.vectors;
    this.set(L.DEV_VECTORS, info.vectors);
    this.set(L.V2_MAX_PEERS, info.maxPeers);
    this.set(L.V2_PROTOCOL, info.protocol);
    this.set(L.V2_OUTPUT_SIZE, Number(info.outputSectionSize));
    this.set(L.V2_STATE_ENTRY, fd.offset + info.id * 4);
    return true;
  }

  // ivshmem_read: the message's type decides, and its length must hold what that type carries.
  protected process(message: ServerMessage): void {
    const bytes = wireBytes(message);
    const header = messageHeader(bytes)!;
    const fields = (size: number, refusal: string) => {
      if (header.len < size) throw new QemuError(refusal);
      // The RFC reads a byte stream: a length that is not the message's own would mix it with the next.
      if (header.len !== bytes.byteLength) throw new QemuError(`server sent a message of ${bytes.byteLength} bytes whose header says ${header.len}`);
      return header.view;
    };
    switch (header.type) {
      case MSG_EVENT_FD: {
        const view = fields(EVENT_FD_SIZE, 'Invalid eventfd message size');
        const fd = this.checkHandle(message, 'EVENT_FD');
        const id = view.getUint32(8, true);
        const vector = view.getUint32(12, true);
        if (id > MAX_ID) throw new QemuError(`server sent an EVENT_FD for peer ${id}, beyond 16-bit IDs`);
        this.peerSpace = Math.max(this.peerSpace, id + 1);
        const have = this.device.core.peerEventfdCount(this.device.block, id);
        if (vector !== have) throw new QemuError(`Received vector ${vector} out of order`);
        if (have >= this.vectors) throw new QemuError(`Too many eventfd received, device has ${this.vectors} vectors`);
        if (fd?.kind !== 'eventfd') throw new QemuError('server sent an invalid eventfd handle with message EVENT_FD');
        this.addEventfd(id, fd.slot);
        return;
      }
      case MSG_PEER_GONE: {
        const id = fields(PEER_GONE_SIZE, 'Invalid peer-gone message size').getUint32(8, true);
        if (id >= this.peerSpace || id === this.ownId) throw new QemuError(`invalid peer ${id}`);
        const { core, block } = this.device;
        core.peerRemove(block, id);
        // process_msg_disconnect: the device's own vector 0 tells its driver to look at the states
        if (core.peerEventfdCount(block, this.ownId) > 0) core.eventfdSignal(this.device.ownSlot(this.ownId, 0), 1);
        return;
      }
      default:
        throw new QemuError(`invalid message, type ${header.type}`);
    }
  }
}
