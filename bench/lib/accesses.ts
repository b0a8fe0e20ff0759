// The register accesses of the "driver path" figure (bench/figures/driver-path.ts): what a driver
// does through the public API (device.config, device.bar(n).read/write), each kind of register at
// every width its region accepts, timed the same way in the page's thread and in a VM worker
// (bench/programs/driver-path.ts). Each access is timed in a loop of its own, compiled from its
// source, so that its call site sees one region and one width, as a driver's does: a loop shared
// by every access would time V8's polymorphic calls rather than the access.
import { layout as L } from '../../src/index.ts';

/** What an access's loop reaches: the device's regions, and the raw core (bench/lib/raw-core.ts). */
export type Target = 'core' | 'config' | 0 | 1 | 2;

export interface Access {
  label: string;
  target: Target;
  /** the loop's body: `r` is the target, `i` the iteration, `s` a number the loop returns */
  body(c: AccessContext): string;
  /** goal: at most this many times a config-space read */
  atMost?: number;
}

export interface AccessContext {
  /** the Doorbell value that rings a peer's vector 0 */
  ring: number;
  /** the raw core's device block */
  rawBlock: number;
  /** where the PBA starts in BAR1 */
  pba: number;
}

export const CONFIG_READ = 'config.read(0x00, 2): Vendor ID';
export const CORE_READ = 'the core: bar0Read of IVPosition, called directly (no checks)';

const read = (at: number, width: number) => (width === 8 ? `if (r.read(${at}, 8) !== 1n) s++;` : `s += r.read(${at}, ${width});`);
const write = (at: number, width: number, value: string) => `r.write(${at}, ${width}, ${value});`;
const MASKS: Record<number, string> = { 1: '(i & 0xff)', 2: '(i & 0xffff)', 4: 'i', 8: '0x5a5a5a5a5a5a5a5an' };
const WIDTHS = [1, 2, 4, 8] as const;
const REGISTER = 2; // goal for a register access: <= 2x a config read

export const ACCESSES: Access[] = [
  { label: CORE_READ, target: 'core', body: (c) => `s += r.bar0Read(${c.rawBlock}, ${L.REG_IVPOSITION});` },
  { label: CONFIG_READ, target: 'config', body: () => read(0, 2) },
  { label: 'config.write(0x04, 2): Command', target: 'config', body: () => write(L.PCI_COMMAND, 2, `${L.PCI_COMMAND_IO | L.PCI_COMMAND_MEMORY | L.PCI_COMMAND_MASTER}`) },
  ...WIDTHS.map((w): Access => ({ label: `BAR0 read, ${w} byte${w > 1 ? 's' : ''} at 0x08: IVPosition`, target: 0, body: () => read(L.REG_IVPOSITION, w), atMost: REGISTER })),
  ...WIDTHS.map((w): Access => ({ label: `BAR0 write, ${w} byte${w > 1 ? 's' : ''} at 0x00: IntrMask`, target: 0, body: () => write(L.REG_INTRMASK, w, w === 8 ? '0n' : '0'), atMost: REGISTER })),
  { label: 'BAR0 write, 4 bytes at 0x0c: Doorbell (a peer\'s vector 0, delivered)', target: 0, body: (c) => write(L.REG_DOORBELL, 4, `${c.ring}`), atMost: 4 },
  ...WIDTHS.map((w): Access => ({ label: `BAR1 read, ${w} byte${w > 1 ? 's' : ''} at 0x0c: vector 0's control word${w < 4 ? ' (reads 0: MSI-X takes 4 and 8)' : ''}`, target: 1, body: () => read(L.MSIX_ENTRY_VECTOR_CTRL & ~(w - 1), w), atMost: REGISTER })),
  { label: 'BAR1 write, 4 bytes at 0x0c: vector 0 unmasked', target: 1, body: () => write(L.MSIX_ENTRY_VECTOR_CTRL, 4, '0'), atMost: REGISTER },
  { label: 'BAR1 write, 8 bytes at 0x00: vector 0\'s message address', target: 1, body: () => write(0, 8, '0xfee00000n'), atMost: REGISTER },
  { label: 'BAR1 read, 4 bytes: the PBA', target: 1, body: (c) => read(c.pba, 4), atMost: REGISTER },
  ...WIDTHS.map((w): Access => ({ label: `BAR2 read, ${w} byte${w > 1 ? 's' : ''}`, target: 2, body: () => read(64, w), atMost: REGISTER })),
  ...WIDTHS.map((w): Access => ({ label: `BAR2 write, ${w} byte${w > 1 ? 's' : ''}`, target: 2, body: () => write(64, w, MASKS[w]), atMost: REGISTER })),
];

/** An access's loop: `n` accesses to `target`, timed; returns nanoseconds per access. */
export function accessLoop(access: Access, context: AccessContext): (target: unknown, n: number) => number {
  return new Function('r', 'n', `'use strict';
let s = 0;
const start = performance.now();
for (let i = 0; i < n; i++) { ${access.body(context)} }
const ns = ((performance.now() - start) * 1e6) / n;
if (s === -1) throw new Error('unreachable');
return ns;`) as (target: unknown, n: number) => number;
}
