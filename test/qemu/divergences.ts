// Differences from real QEMU that the project keeps on purpose, each with the releases it was seen
// on (a difference found on a release it does not name is undocumented there). `npm run
// conformance:qemu` prints them as documented and fails on any other difference. The README's
// "Where it differs from QEMU" lists the same entries with the same reasons.
import type { ReleaseName } from './install.ts';

export interface Divergence {
  /** the QEMU releases that answer this way */
  releases: readonly ReleaseName[];
  /** the scenario and access it covers ("scenario: access" matches this) */
  access: RegExp;
  /** what QEMU answered */
  qemu: RegExp;
  /** what the project answers */
  project: RegExp;
  reason: string;
}

export const divergences: Divergence[] = [
  {
    releases: ['7.2', '10.0'],
    access: /Memory Space Enable clear: .*BAR\d (read|write)/,
    qemu: /^(0x0|ok)$/,
    project: /^AccessError: .* is not decoded: Memory Space Enable/,
    reason: 'With Memory Space Enable clear a BAR is not decoded. QEMU on pc then reads 0 and drops writes '
      + '(the address falls in unassigned memory); the project throws an AccessError instead, so that a driver '
      + 'that forgot to enable its device sees the mistake rather than a plausible 0.',
  },
  {
    releases: ['7.2', '10.0'],
    access: /^options: -device ivshmem-plain,memdev=odd$/,
    qemu: /pci_register_bar: Assertion `is_power_of_2\(size\)' failed\.$/,
    project: /^pci_register_bar: Assertion `is_power_of_2\(size\)' failed\.$/,
    reason: 'A memory backend whose size is not a power of two: QEMU aborts (an assertion in pci_register_bar, '
      + 'printed with its source path); the project refuses the realize with the assertion\'s words and changes nothing.',
  },
];

export function documented(release: ReleaseName, scenario: string, access: string, qemu: string, project: string): Divergence | undefined {
  const where = `${scenario}: ${access}`;
  return divergences.find((d) => d.releases.includes(release) && d.access.test(where) && d.qemu.test(qemu) && d.project.test(project));
}
