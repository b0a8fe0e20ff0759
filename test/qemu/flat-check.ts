// ivshmem-flat against a real QEMU 10.0, as far as a stock QEMU lets it be seen: it refuses to
// create the device (-device: "Parameter 'driver' expects a pluggable device type"), so its
// registers cannot be driven; its registers and protocol are checked against its source by the
// conformance cases (test/cases/ivshmem-flat.ts). What the binary does show is compared here:
// `-device ivshmem-flat,help` (every property with its type and default, the register region's
// name, the one IRQ line) beside the project's model, and the realize errors, which must be in
// the binary word for word.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FLAT_PROPERTIES } from '../../src/models/ivshmem-flat/index.ts';
import * as messages from '../../src/models/ivshmem-flat/messages.ts';
import { ivshmemFlat } from '../../src/models/ivshmem-flat/index.ts';
import type { Release } from './install.ts';

export interface Answer { access: string; qemu: string; project: string }

/** `  shmem-size=<uint32>    -  (default: 4194304)` -> shmem-size, "<uint32> default 4194304". */
function qemuProperties(release: Release): Map<string, string> {
  const run = spawnSync(release.binary, [...release.args, '-device', 'ivshmem-flat,help'], { encoding: 'utf8' });
  const found = new Map<string, string>();
  for (const line of `${run.stdout}${run.stderr}`.split('\n')) {
    const m = /^\s+(\S+)=<(.+?)>(?=\s|$)(?:.*\(default: ([^)]+)\))?/.exec(line);
    if (m) found.set(m[1], m[3] === undefined ? `<${m[2]}>` : `<${m[2]}> default ${m[3]}`);
  }
  if (found.size === 0) throw new Error(`${release.binary} -device ivshmem-flat,help listed nothing: ${run.stderr}`);
  return found;
}

/** The same lines from the project's model: its properties, its region 0 and its IRQ. */
function projectProperties(): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, p] of Object.entries(FLAT_PROPERTIES)) found.set(name, p.default === undefined ? `<${p.type}>` : `<${p.type}> default ${p.default}`);
  const layout = ivshmemFlat.layout(ivshmemFlat.parse(new Map([['chardev', 'srv']]), {}), 0);
  // QOM names a sysbus device's first region child "<name>[0]", its first IRQ "sysbus-irq[0]"
  found.set(`${layout.bars[0].name}[0]`, '<child<memory-region>>');
  if (layout.pulse) found.set('sysbus-irq[0]', '<link<irq>>');
  return found;
}

export function compareFlat(release: Release): Answer[] {
  const qemu = qemuProperties(release);
  const project = projectProperties();
  const answers: Answer[] = [];
  for (const name of [...new Set([...qemu.keys(), ...project.keys()])].sort()) {
    answers.push({ access: `-device ivshmem-flat,help: ${name}`, qemu: qemu.get(name) ?? 'absent', project: project.get(name) ?? 'absent' });
  }
  const binary = readFileSync(release.binary);
  for (const message of Object.values(messages)) {
    answers.push({ access: `realize error "${message}"`, qemu: binary.includes(message) ? 'word for word' : 'not in the binary', project: 'word for word' });
  }
  return answers;
}
