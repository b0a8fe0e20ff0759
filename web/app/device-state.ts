// A VM's device as the page shows it: its snapshot (Device.snapshot, read from shared memory with
// no side effect, never through BAR0 where reading IntrStatus clears it) and, for a virtio-sdm VM,
// its SDM view, both without asking the worker.
import type { DeviceSnapshot, SdmCounters } from '../../src/index.ts';
import type { VmEntry } from './vm-entry.ts';

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
