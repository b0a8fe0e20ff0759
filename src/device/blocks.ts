// Device blocks: one per realized device, handed out by the host. An unplugged device's block is
// kept for the next device rather than returned to the allocator (a VM that rings a just-unplugged
// device then touches only a device block, never someone's memory), and is handed out again only
// once nobody can still be acting on it: eventfd signals count themselves into the block's
// notifier word (assembly/eventfd.ts) and the host waits for that count to drop to 0. A ringer
// killed in the middle of a signal leaves its count behind: that block is simply never reused.
import * as L from '../../assembly/layout.ts';
import type { Region } from '../memory/region-allocator.ts';

export class DeviceBlocks {
  private readonly spare: number[] = [];

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly allocate: (size: number, what: string) => Region,
  ) {}

  private notifiers(block: number): number {
    return Atomics.load(new Int32Array(this.memory.buffer, block + L.DEV_NOTIFIERS, 1), 0);
  }

  /** How many blocks wait for reuse (for leak checks: host.resources()). */
  get spareCount(): number {
    return this.spare.length;
  }

  /** A zeroed block (its notifier word excepted: a late signal may still be counting on it). */
  take(): number {
    const index = this.spare.findIndex((block) => this.notifiers(block) === 0);
    const block = index >= 0 ? this.spare.splice(index, 1)[0] : this.allocate(L.DEVICE_BLOCK_SIZE, 'device').offset;
    const bytes = new Uint8Array(this.memory.buffer);
    bytes.fill(0, block, block + L.DEV_NOTIFIERS);
    bytes.fill(0, block + L.DEV_NOTIFIERS + 4, block + L.DEVICE_BLOCK_SIZE);
    return block;
  }

  /** The device is gone and its eventfds unbound: the block waits here for the next device. */
  give(block: number): void {
    this.spare.push(block);
  }
}
