// A VM's device as the page shows it: its snapshot (Device.snapshot, read from shared memory with
// no side effect, never through BAR0 where reading IntrStatus clears it) and, for a virtio-sdm VM,
// its SDM view, both without asking the worker.
import type { DeviceLayout, DeviceSnapshot, SdmCounters } from '../../src/index.ts';
import type { VmEntry } from './vm-entry.ts';
import type { Workbench } from './workbench.ts';

export interface DeviceState extends DeviceSnapshot {
  /** 2010: one bit per live guest ID below 16 (IVLiveList), from the peers and its own ID */
  liveList: number;
}

const VECTORS_SHOWN = 16;

export function readDevice(entry: VmEntry): DeviceState {
  const snapshot = entry.vm.device.snapshot({ vectors: VECTORS_SHOWN });
  let liveList = 0;
  for (const p of [...snapshot.peers, snapshot.ivPosition]) if (p >= 0 && p < 16) liveList |= 1 << p;
  return { ...snapshot, liveList };
}

/**
 * What maps the shared memory into a guest, as its bus names it: a PCI BAR (BAR2, BAR1 on the 2010
 * device) or a sysbus device's MMIO region by QEMU's name (ivshmem-flat's "ivshmem-shmem").
 */
function memoryRegion(layout: DeviceLayout): string | undefined {
  if (layout.memoryBar === undefined) return undefined;
  return layout.transport === 'sysbus' ? layout.bars.find((b) => b.index === layout.memoryBar)?.name : `BAR${layout.memoryBar}`;
}

/** The page's VMs' names for the shared memory ("BAR2", "BAR2 or BAR1"); BAR2 when none maps it. */
export function memoryRegions(wb: Workbench): string {
  const names = new Set(wb.vms.value.map((e) => memoryRegion(e.vm.device.layout)).filter((n) => n !== undefined));
  return names.size ? [...names].join(' or ') : 'BAR2';
}

export function hex(value: number, digits: number): string {
  return `0x${(value >>> 0).toString(16).padStart(digits, '0')}`;
}

export interface SdmState {
  /** 0 the master, 1..n a slave, -1 while a slave has no id */
  id: number;
  master: boolean;
  /** its group: the key of the group's master device, 0 for a slave whose master is across the relay */
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

/** A virtio-sdm VM's device (device.sdm). */
export function readSdm(entry: VmEntry): SdmState {
  const sdm = entry.vm.device.sdm!;
  return {
    id: sdm.id,
    master: sdm.master,
    group: sdm.group ?? 0,
    booted: sdm.booted,
    bootPayload: sdm.bootPayload,
    status: sdm.status,
    maxSlaves: sdm.maxSlaves,
    currentSlaves: sdm.currentSlaves,
    counters: sdm.counters,
    rejected: sdm.rejectedTotal,
  };
}
