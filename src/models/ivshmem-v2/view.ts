// What ivshmem-v2 adds to a Device (`device.v2`), on the host and in its VM alike: its registers
// and what its server told it, read from its block with no side effect, the shared memory's
// sections, every peer's state from the state table, and the two sections it may write as live
// bytes. Its memory BAR's `bytes` is a copy (parts of it are read-only to the device), so these
// are where a peer's writes go.
import * as L from '../../../assembly/layout.ts';
import { AccessError, checkInteger } from '../../errors.ts';
import type { Device } from '../../device/device.ts';
import { initOf, sectionsOf, type Section, type Sections } from './layout.ts';

export class IvshmemV2View {
  /** @internal */
  constructor(private readonly device: Device, private readonly view: DataView) {}

  // A stale handle must not read what the block's next device holds.
  private get block(): number {
    if (!this.device.plugged) throw new AccessError(`${this.device.name} has been unplugged`);
    return this.device.internals.block;
  }

  private word(offset: number): number {
    return this.view.getUint32(this.block + offset, true);
  }

  /** The State register: this device's state, as its state table entry shows it to the others. */
  get state(): number { return this.word(L.V2_STATE); }
  /** The Interrupt Control register (bit 0: interrupts enabled; one-shot mode clears it at each delivery). */
  get interruptControl(): number { return this.word(L.V2_INT_CTRL); }
  /** Bit 0 of the vendor capability's privileged control: one-shot interrupt mode. */
  get oneShot(): boolean {
    return (this.view.getUint8(this.block + L.DEV_CONFIG + L.V2_VNDR_CAP + L.V2_CAP_PRIV_CTRL) & L.V2_ONESHOT) !== 0;
  }
  /** Maximum Peers, as the server set it. */
  get maxPeers(): number { return this.word(L.V2_MAX_PEERS); }
  /** The protocol type the device announces in its class code (0x0001 Ethernet, 0x8000.. virtio). */
  get protocol(): number { return this.word(L.V2_PROTOCOL); }

  /** The shared memory's sections, as offsets in BAR2. */
  get sections(): Sections {
    return sectionsOf(this.device.sharedMemory?.size ?? 0, initOf({ view: this.view, block: this.block }));
  }

  /** Peer `id`'s state, from the state table (0 for a peer that is not there, or was reset). */
  peerState(id: number): number {
    checkInteger('peerState: the peer ID', id, 0, this.maxPeers - 1, AccessError);
    return Atomics.load(this.live(this.sections.stateTable, Int32Array), id);
  }

  /** The R/W section, live: every peer reads and writes it. */
  get rw(): Uint8Array {
    return this.live(this.sections.rw, Uint8Array);
  }

  /** This device's own output section, live: the others only read it. */
  get output(): Uint8Array {
    const section = this.sections.outputs[this.device.ivPosition];
    if (!section) throw new AccessError(`${this.device.name} has no output section (the server's output section size is 0)`);
    return this.live(section, Uint8Array);
  }

  /** A copy of peer `id`'s output section, as this device reads it. */
  input(id: number): Uint8Array {
    checkInteger('input: the peer ID', id, 0, this.maxPeers - 1, AccessError);
    const section = this.sections.outputs[id];
    if (!section) throw new AccessError(`${this.device.name} has no output sections (the server's output section size is 0)`);
    return this.live(section, Uint8Array).slice();
  }

  private live<T>(section: Section, type: new (buffer: ArrayBufferLike, offset: number, length: number) => T): T {
    const memory = this.device.sharedMemory!;
    const bytesPer = (type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    return new type(this.view.buffer, memory.offset + section.offset, section.size / bytesPer);
  }
}
