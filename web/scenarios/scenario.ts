// A scenario: a short written explanation beside a running setup. Each lives in its own file in
// web/scenarios/ and is listed in index.ts: start() builds it on a fresh workbench (reset with its
// setup), stop() undoes what start() began beyond the VMs (the workbench kills those).
import type { ComponentType } from 'preact';
import type { Setup, Workbench } from '../app/workbench.ts';
import type { VmEntry } from '../app/vm-entry.ts';
import type { TraceKind } from '../app/trace.ts';

/** A part of the shared memory with an owner or a rule of its own, drawn in the hex view. */
export interface HexSection {
  offset: number;
  size: number;
  label: string;
  kind: 'state' | 'rw' | 'output';
  /** an output section's owner */
  peer?: number;
}

export interface Decoded {
  /** where the structure starts in the shared memory */
  offset: number;
  title: string;
  fields: { name: string; value: string }[];
}

export interface Scenario {
  id: string;
  title: string;
  /** the explanation, paragraph by paragraph */
  explanation: string[];
  /** what to click first */
  hint: string;
  setup?: Partial<Setup>;
  start(wb: Workbench): Promise<void>;
  stop?(wb: Workbench): Promise<void> | void;
  /** called every 250 ms while it runs */
  tick?(wb: Workbench): void;
  /** a panel of its own (the frame relay's canvas) */
  view?: ComponentType<{ wb: Workbench }>;
  /** kinds of trace event the timeline leaves unticked at first (too many to follow here) */
  hiddenKinds?: TraceKind[];
  /** what sits in the shared memory, for the hex view's decoded pane */
  decode?(bytes: Uint8Array): Decoded[];
  /** how the shared memory is cut (ivshmem-v2's sections), drawn in the hex view */
  sections?(): HexSection[];
}

/** Starts one VM with `device` per run, one after the other, each running the program at `url`. */
export async function addVms(wb: Workbench, device: string, url: string, runs: { name: string; arg?: unknown }[], options: { boot?: 'sdm' } = {}): Promise<VmEntry[]> {
  const entries: VmEntry[] = [];
  for (const { name, arg } of runs) entries.push(await wb.addVm(device, { kind: 'url', url, name, arg }, options));
  return entries;
}
