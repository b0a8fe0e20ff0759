// Where a trace event goes in the pictures: the sequence chart's columns and the topology's boxes.
// ivshmem events name devices by IVPosition (the server's IDs; the page's client is one of them).
// virtio-sdm events name them by SDM id, unique only within a group (the master is 0 in every
// group), so they are placed through the thread that wrote them (a VM's worker) and that VM's
// group. Events that name no device (a ring's push and pop) go on the column of the VM whose
// thread wrote them.
import type { Workbench } from './workbench.ts';
import type { VmEntry } from './vm-entry.ts';
import type { TraceEvent } from './trace.ts';
import { readSdm, type SdmState } from './device-state.ts';

export type ColumnKey = string;
export const SERVER_KEY: ColumnKey = 'server';

/**
 * An event's place: one column (a mark), or two (an arrow from `from` to `to`); a 2010 broadcast
 * (destination 255) goes from `from` to every other VM on the 2010 device (`fanOut`).
 */
export interface Place { from: ColumnKey; to?: ColumnKey; fanOut?: ColumnKey[] }

const BROADCAST_2010 = 255;

const ivshmemKey = (id: number): ColumnKey => `vm:${id}`;
// ivshmem-plain has no ID (IVPosition reads 0, the page's client's ID): its VMs are named in order.
const plainKey = (entry: VmEntry): ColumnKey => `plain:${entry.vm.key}`;
const sdmKey = (group: number, id: number): ColumnKey => `sdm:${group}:${id}`;
export const sdmLabel = (id: number): string => (id === 0 ? 'SDM master' : `SDM slave ${id}`);

export class Columns {
  readonly clientKey: ColumnKey;
  private readonly clientId: number;
  private readonly byThread = new Map<number, VmEntry>();
  private readonly sdm = new Map<VmEntry, SdmState>();
  private readonly plain = new Map<ColumnKey, string>();
  /** the live VMs' columns, in the order drawn: ivshmem VMs by ID, then each SDM group's master and slaves */
  readonly live: { key: ColumnKey; entry: VmEntry }[];

  constructor(wb: Workbench) {
    this.clientId = wb.client?.id ?? -1;
    this.clientKey = ivshmemKey(this.clientId);
    for (const entry of wb.vms.value) {
      this.byThread.set(entry.vm.thread, entry);
      if (entry.model === 'virtio-sdm') this.sdm.set(entry, readSdm(entry));
      if (entry.model === 'ivshmem-plain') this.plain.set(plainKey(entry), `plain VM ${this.plain.size + 1}`);
    }
    this.live = wb.vms.value.map((entry) => ({ key: this.keyOf(entry), entry }))
      .sort((a, b) => Number(a.key.startsWith('sdm')) - Number(b.key.startsWith('sdm')) || order(a.key) - order(b.key));
  }

  /** The SDM state read for this frame, for an SDM VM. */
  sdmOf(entry: VmEntry): SdmState | undefined {
    return this.sdm.get(entry);
  }

  keyOf(entry: VmEntry): ColumnKey {
    const sdm = this.sdm.get(entry);
    if (entry.model === 'ivshmem-plain') return plainKey(entry);
    return sdm ? sdmKey(this.groupOf(entry), sdm.id) : ivshmemKey(entry.id);
  }

  label(key: ColumnKey): string {
    if (key === SERVER_KEY) return 'server';
    if (key === this.clientKey) return `client ${this.clientId}`;
    const plain = this.plain.get(key);
    if (plain) return plain;
    const [kind, , id] = key.split(':');
    return kind === 'sdm' ? sdmLabel(Number(id)) : `VM ${key.slice(3)}`;
  }

  /** Where `e` is drawn, or undefined when it names nothing there is a column for. */
  place(e: TraceEvent): Place | undefined {
    switch (e.kind) {
      case 'doorbell': {
        if (e.peer === BROADCAST_2010 && this.byThread.get(e.thread)?.model === 'ivshmem-2010') {
          const from = ivshmemKey(e.device);
          const fanOut = this.live.filter((c) => c.entry.model === 'ivshmem-2010' && c.key !== from).map((c) => c.key);
          return { from, fanOut };
        }
        return { from: ivshmemKey(e.device), to: ivshmemKey(e.peer) };
      }
      case 'server': return { from: SERVER_KEY, to: ivshmemKey(e.device) };
      case 'ring-push': case 'ring-pop': {
        const entry = this.byThread.get(e.thread);
        return entry ? { from: this.keyOf(entry) } : undefined;
      }
      case 'sdm-send': case 'sdm-deliver': case 'sdm-boot': case 'sdm-reject': {
        const entry = this.byThread.get(e.thread);
        if (!entry || !this.sdm.has(entry)) return undefined;
        const group = this.groupOf(entry);
        return e.kind === 'sdm-send' ? { from: sdmKey(group, e.device), to: sdmKey(group, e.peer) } : { from: sdmKey(group, e.device) };
      }
      default: return e.device >= 0 ? { from: ivshmemKey(e.device) } : undefined;
    }
  }

  /** A master's own key names its group; a slave without a master is a group of its own. */
  private groupOf(entry: VmEntry): number {
    return this.sdm.get(entry)?.group || entry.vm.key;
  }
}

/** Within a kind of column: by ID (the last number of the key). */
function order(key: ColumnKey): number {
  return Number(key.slice(key.lastIndexOf(':') + 1));
}
