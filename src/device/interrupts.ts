// What a device's interrupts look like from the host: per-vector delivered counts, PBA bits and
// masks, the INTx line, what was lost or dropped, and taking the next interrupt as the CPU would.
import * as L from '../../assembly/layout.ts';
import { AccessError, show } from '../errors.ts';
import type { RegionOwner } from './region.ts';

export interface InterruptView {
  /** messages delivered to the CPU on this vector (INTx deliveries count on vector 0) */
  delivered(vector: number): number;
  /** the MSI-X PBA bit */
  pending(vector: number): boolean;
  /** masked by the entry, the function mask, or MSI-X being disabled */
  masked(vector: number): boolean;
  /** INTx line level as the interrupt controller sees it (after Command.INTx Disable) */
  readonly intx: boolean;
  /** MSI-X messages lost because Bus Master Enable was clear */
  readonly lost: number;
  /**
   * events dropped because MSI-X was not enabled (QEMU drops them too); ivshmem-v2, which has no
   * pending state, also drops them while its interrupts are off (Interrupt Control) or the vector
   * is masked
   */
  readonly dropped: number;
  /** take the next interrupt as the CPU would: the vector, or -1 */
  take(): number;
}

export function interruptView(owner: RegionOwner): InterruptView {
  const { core, block, layout } = owner;
  const view = new DataView(owner.memory.buffer);
  // A stale handle must not read (or take) what the block's next device holds.
  const int32 = (offset: number) => {
    owner.checkPlugged();
    return view.getInt32(block + offset, true);
  };
  const vectorCheck = (vector: number) => {
    owner.checkPlugged();
    if (!Number.isInteger(vector) || vector < 0 || vector >= Math.max(1, layout.vectors)) {
      throw new AccessError(`${owner.name}: no vector ${show(vector)} (it has ${layout.vectors})`);
    }
  };
  return {
    delivered: (vector) => {
      vectorCheck(vector);
      return view.getUint32(block + L.DEV_DELIVERED + vector * 4, true);
    },
    pending: (vector) => {
      vectorCheck(vector);
      return layout.msix && core.msixIsPending(block, vector) !== 0;
    },
    masked: (vector) => {
      vectorCheck(vector);
      return !layout.msix || core.msixVectorMasked(block, vector) !== 0;
    },
    get intx() {
      return int32(L.DEV_INTX_LEVEL) !== 0 && (int32(L.DEV_CONFIG + L.PCI_COMMAND) & L.PCI_COMMAND_INTX_DISABLE) === 0;
    },
    get lost() { return int32(L.DEV_IRQ_LOST); },
    get dropped() { return int32(L.DEV_IRQ_DROPPED); },
    take: () => {
      owner.checkPlugged();
      return core.takeInterrupt(block, layout.vectors);
    },
  };
}
