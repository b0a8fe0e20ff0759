// A VM's device as the page shows it, read straight from its device block in shared memory with
// no side effects (a BAR0 read of IntrStatus would clear it; these reads never go through the
// device's registers) and without asking the worker.
import * as L from '../../assembly/layout.ts';
import type { VmEntry } from './vm-entry.ts';
import type { SdmCounters } from '../../src/index.ts';

export interface VectorState { masked: boolean; pending: boolean; delivered: number }

export interface DeviceState {
  model: string;
  id: number;
  command: number;
  msix: boolean;
  msixEnabled: boolean;
  functionMask: boolean;
  intx: boolean;
  intrMask: number;
  intrStatus: number;
  intxLevel: boolean;
  /** 2010: one bit per live guest ID below 16 */
  liveList: number;
  vectors: VectorState[];
  lost: number;
  dropped: number;
  /** a thread is parked on the device's interrupt word (Atomics.wait) */
  parked: boolean;
  peers: number[];
}

const VECTORS_SHOWN = 16;

export function readDevice(entry: VmEntry, view: DataView): DeviceState {
  const device = entry.vm.device;
  const block = device.block;
  const int32 = (offset: number) => view.getInt32(block + offset, true);
  const config16 = (offset: number) => view.getUint16(block + L.DEV_CONFIG + offset, true);
  const features = int32(L.DEV_FEATURES);
  const msix = (features & L.FEATURE_MSIX) !== 0;
  const flags = msix ? config16(L.MSIX_FLAGS) : 0;
  const count = Math.min(VECTORS_SHOWN, Math.max(1, device.vectors));
  const vectors: VectorState[] = [];
  for (let v = 0; v < count; v++) {
    vectors.push({
      masked: msix && (int32(L.DEV_MSIX_TABLE + v * L.MSIX_ENTRY_SIZE + L.MSIX_ENTRY_VECTOR_CTRL) & L.MSIX_ENTRY_CTRL_MASKBIT) !== 0,
      pending: msix && ((view.getUint8(block + L.DEV_PBA + (v >> 3)) >> (v & 7)) & 1) === 1,
      delivered: view.getUint32(block + L.DEV_DELIVERED + v * 4, true),
    });
  }
  const peers = device.peers().map((p) => p.id);
  const id = int32(L.DEV_VM_ID);
  let liveList = 0;
  for (const p of [...peers, id]) if (p >= 0 && p < 16) liveList |= 1 << p;
  return {
    model: device.model,
    id,
    command: config16(L.PCI_COMMAND),
    msix,
    msixEnabled: (flags & L.MSIX_FLAGS_ENABLE) !== 0,
    functionMask: (flags & L.MSIX_FLAGS_MASKALL) !== 0,
    intx: (features & L.FEATURE_INTX) !== 0,
    intrMask: int32(L.DEV_INTRMASK) >>> 0,
    intrStatus: int32(L.DEV_INTRSTATUS) >>> 0,
    intxLevel: int32(L.DEV_INTX_LEVEL) !== 0,
    liveList,
    vectors,
    lost: int32(L.DEV_IRQ_LOST),
    dropped: int32(L.DEV_IRQ_DROPPED),
    parked: int32(L.DEV_IRQ_WAITERS) > 0,
    peers,
  };
}

export function hex(value: number, digits: number): string {
  return `0x${(value >>> 0).toString(16).padStart(digits, '0')}`;
}

export interface SdmState {
  /** 0 the master, 1..n a slave, -1 while a slave has no id */
  id: number;
  master: boolean;
  /** the group's master device block (a slave's link; a master's own block), 0 for none */
  group: number;
  booted: boolean;
  bootPayload: [number, number];
  /** the virtio status register */
  status: number;
  maxSlaves: number;
  currentSlaves: number;
  counters: SdmCounters;
  rejected: number;
}

/** A virtio-sdm VM's device, from its block (device.sdm), plus its group's master block. */
export function readSdm(entry: VmEntry, view: DataView): SdmState {
  const device = entry.vm.device;
  const sdm = device.sdm!;
  const link = view.getUint32(device.block + L.SDM_MASTER_LINK, true);
  return {
    id: sdm.id,
    master: sdm.master,
    group: sdm.master ? device.block : link > L.SDM_REMOTE ? link : 0,
    booted: sdm.booted,
    bootPayload: sdm.bootPayload,
    status: sdm.status,
    maxSlaves: sdm.maxSlaves,
    currentSlaves: sdm.currentSlaves,
    counters: sdm.counters,
    rejected: sdm.rejectedTotal,
  };
}
