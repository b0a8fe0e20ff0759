// A scenario: a short written explanation beside a running setup. Each lives in its own file in
// web/scenarios/ and is listed in index.ts: start() builds it on a fresh workbench (reset with its
// setup), stop() undoes what start() began beyond the VMs (the workbench kills those).
import type { ComponentType } from 'preact';
import type { Setup, Workbench } from '../app/workbench.ts';
import type { VmEntry } from '../app/vm-entry.ts';
import type { TraceKind } from '../app/trace.ts';
import { QemuError } from '../../src/index.ts';

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
  /**
   * The toolbar's pace control, in the scenario's own words and units (how long the token is held,
   * how often the master signals...): start() reads wb.pace.value. None: the scenario has no pace.
   */
  pace?: Pace;
  /** where the hex view opens: what the scenario keeps in the shared memory (0 by default) */
  memoryAt?: number;
  start(wb: Workbench): Promise<void>;
  stop?(wb: Workbench): Promise<void> | void;
  /** called every 250 ms while it runs */
  tick?(wb: Workbench): void;
  /** a panel of its own (the frame relay's canvas) */
  view?: ComponentType<{ wb: Workbench }>;
  /** a full-width panel right under the first screen, for what is too big beside the timeline (the Linux VMs' terminals) */
  panel?: ComponentType<{ wb: Workbench }>;
  /**
   * What the scenario is about, shown on the first screen beside the topology and the timeline:
   * its own view (the default when it has one), the round-trip histogram with each VM's wait mode
   * beside it, or what it keeps in the shared memory, decoded. None: the topology is the figure.
   */
  figure?: 'view' | 'latency' | 'decoded';
  /** kinds of trace event the timeline leaves unticked at first (too many to follow here) */
  hiddenKinds?: TraceKind[];
  /** what sits in the shared memory, for the hex view's decoded pane */
  decode?(bytes: Uint8Array): Decoded[];
  /** how the shared memory is cut (ivshmem-v2's sections), drawn in the hex view */
  sections?(): HexSection[];
}

export interface Pace {
  /** what the value means here, as the toolbar's label says it */
  label: string;
  /** [value, how it reads] in the order shown; the first but one is the default */
  choices: [number, string][];
}

/** The pace a scenario starts with: the value kept from before if it is one of its choices. */
export function paceFor(scenario: Scenario, current: number): number {
  const choices = scenario.pace?.choices ?? [];
  return choices.some(([v]) => v === current) ? current : (choices[1] ?? choices[0])?.[0] ?? 0;
}

/**
 * Starts one VM with `device` per run, one after the other, each running the program at `url`. A
 * start overtaken by another (a scenario picked while this one was starting) stops here rather than
 * add its VMs to the next scenario's host.
 */
export async function addVms(wb: Workbench, device: string, url: string, runs: { name: string; arg?: unknown }[], options: { boot?: 'sdm' } = {}): Promise<VmEntry[]> {
  const host = wb.host;
  const entries: VmEntry[] = [];
  for (const { name, arg } of runs) {
    if (wb.host !== host) throw new QemuError('the workbench was reset');
    entries.push(await wb.addVm(device, { kind: 'url', url, name, arg }, options));
  }
  return entries;
}
