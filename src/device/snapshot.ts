// A device's registers and interrupt state at one moment, read from its block with no side
// effect: reading IntrStatus through BAR0 clears it, and a page that draws a device every frame
// must not change what it draws. What the workbench shows of a VM comes from here.
import * as L from '../../assembly/layout.ts';
import { readPeers } from './peer-table.ts';
import type { RegionOwner } from './region.ts';

export interface VectorSnapshot {
  /** the entry's Vector Control mask bit (what a driver sets and clears) */
  maskBit: boolean;
  /** masked by the entry, the function mask, or MSI-X being disabled (InterruptView.masked) */
  masked: boolean;
  /** the PBA bit */
  pending: boolean;
  /** messages delivered on this vector (INTx deliveries count on vector 0) */
  delivered: number;
}

export interface DeviceSnapshot {
  /** Its model. */
  model: string;
  /** IVPosition: the peer ID, 0 without a server, -1 while not ready */
  ivPosition: number;
  /** the Command register */
  command: number;
  /** the device has MSI-X */
  msix: boolean;
  /** MSI-X Enable is set in Message Control. */
  msixEnabled: boolean;
  /** MSI-X Function Mask is set: every vector is masked. */
  functionMask: boolean;
  /** the device's interrupts are INTx (legacy with msi=off, the 2010 device with a server) */
  intx: boolean;
  /** The IntrMask register (INTx devices). */
  intrMask: number;
  /** The IntrStatus register (INTx devices), read without clearing it. */
  intrStatus: number;
  /** the INTx level the device drives (IntrStatus & IntrMask), before Command.INTx Disable */
  intxLevel: boolean;
  /** vectors 0 up to `vectors` (all of the device's unless fewer were asked for) */
  vectors: VectorSnapshot[];
  /** MSI-X messages lost because Bus Master Enable was clear (interrupts.lost). */
  lost: number;
  /** Events dropped because MSI-X was not enabled, as QEMU drops them (interrupts.dropped). */
  dropped: number;
  /** a thread is parked waiting for this device's interrupt */
  parked: boolean;
  /** the peer IDs its server told it about, itself included */
  peers: number[];
}

export function readSnapshot(owner: RegionOwner, model: string, vectors: number): DeviceSnapshot {
  const { core, block, layout } = owner;
  const view = new DataView(owner.memory.buffer);
  const int32 = (offset: number) => view.getInt32(block + offset, true);
  const config16 = (offset: number) => view.getUint16(block + L.DEV_CONFIG + offset, true);
  const flags = layout.msix ? config16(L.MSIX_FLAGS) : 0;
  const states: VectorSnapshot[] = [];
  for (let v = 0; v < Math.min(vectors, Math.max(1, layout.vectors)); v++) {
    const control = L.DEV_MSIX_TABLE + v * L.MSIX_ENTRY_SIZE + L.MSIX_ENTRY_VECTOR_CTRL;
    states.push({
      maskBit: layout.msix && (int32(control) & L.MSIX_ENTRY_CTRL_MASKBIT) !== 0,
      masked: !layout.msix || core.msixVectorMasked(block, v) !== 0,
      pending: layout.msix && core.msixIsPending(block, v) !== 0,
      delivered: view.getUint32(block + L.DEV_DELIVERED + v * 4, true),
    });
  }
  return {
    model,
    ivPosition: int32(L.DEV_VM_ID),
    command: config16(L.PCI_COMMAND),
    msix: layout.msix,
    msixEnabled: (flags & L.MSIX_FLAGS_ENABLE) !== 0,
    functionMask: (flags & L.MSIX_FLAGS_MASKALL) !== 0,
    intx: layout.intx,
    intrMask: int32(L.DEV_INTRMASK) >>> 0,
    intrStatus: int32(L.DEV_INTRSTATUS) >>> 0,
    intxLevel: int32(L.DEV_INTX_LEVEL) !== 0,
    vectors: states,
    lost: int32(L.DEV_IRQ_LOST),
    dropped: int32(L.DEV_IRQ_DROPPED),
    parked: int32(L.DEV_IRQ_WAITERS) > 0,
    peers: readPeers(view, block).map((p) => p.id).sort((a, b) => a - b),
  };
}
