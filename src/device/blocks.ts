// Device blocks: one per realized device, handed out by the host. An unplugged device's block is
// kept for the next device rather than returned to the allocator (a VM that rings a just-unplugged
// device then touches only a device block, never someone's memory), and is handed out again only
// once nobody can still be acting on it: eventfd signals count themselves into the block's
// notifier word (assembly/eventfd.ts) and the host waits for that count to drop to 0. A ringer
// killed in the middle of a signal leaves its count behind: that block is simply never reused.
// A device with a server also gets its peer table (src/device/peer-table.ts), which only its own
// thread ever reads: it goes back to the allocator with the device.
import * as L from '../../assembly/layout.ts';
import type { Region } from '../memory/region-allocator.ts';
import { peerStride, peerTableBytes } from './peer-table.ts';

export class DeviceBlocks {
  private readonly spare: number[] = [];
  private readonly peerTables = new Map<number, Region>();

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly allocate: (size: number, what: string) => Region,
    private readonly release: (region: Region) => void,
  ) {}

  private notifiers(block: number): number {
    return Atomics.load(new Int32Array(this.memory.buffer, block + L.DEV_NOTIFIERS, 1), 0);
  }

  /** How many blocks wait for reuse (for leak checks: host.resources()). */
  get spareCount(): number {
    return this.spare.length;
  }

  /**
   * A zeroed block (its notifier word excepted: a late signal may still be counting on it), with
   * a peer table for `peers.capacity` peers of `peers.vectors` eventfds when the device has a server.
   */
  take(peers?: { capacity: number; vectors: number }): number {
    const table = peers && peers.capacity > 0 ? this.allocate(peerTableBytes(peers.capacity, peers.vectors), 'peer table') : undefined;
    const index = this.spare.findIndex((block) => this.notifiers(block) === 0);
    let block: number;
    try {
      block = index >= 0 ? this.spare.splice(index, 1)[0] : this.allocate(L.DEVICE_BLOCK_SIZE, 'device').offset;
    } catch (error) {
      if (table) this.release(table);
      throw error;
    }
    const bytes = new Uint8Array(this.memory.buffer);
    bytes.fill(0, block, block + L.DEV_NOTIFIERS);
    bytes.fill(0, block + L.DEV_NOTIFIERS + 4, block + L.DEVICE_BLOCK_SIZE);
    if (table && peers) {
      const view = new DataView(this.memory.buffer);
      view.setInt32(block + L.DEV_PEER_TABLE, table.offset, true);
      view.setInt32(block + L.DEV_PEER_CAPACITY, peers.capacity, true);
      view.setInt32(block + L.DEV_PEER_STRIDE, peerStride(peers.vectors), true);
      this.peerTables.set(block, table);
    }
    return block;
  }

  /** The device is gone and its eventfds unbound: the block waits here for the next device. */
  give(block: number): void {
    const table = this.peerTables.get(block);
    if (table) {
      this.peerTables.delete(block);
      this.release(table);
    }
    this.spare.push(block);
  }
}
