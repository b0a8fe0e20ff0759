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

// ivshmem-flat (README, "Where it differs"): a stock QEMU cannot create it, so host.realize stands
// for the board code that would; the wiring such code needs comes from the series' unmerged part.
const FLAT_BOARD = 'ivshmem-flat is not user-creatable in QEMU 10.0: only a board\'s code can create it and no board does, '
  + 'so -device refuses it; host.realize and host.spawn stand for that board code and realize it with QEMU 10.0\'s '
  + 'properties and messages. Its registers and protocol are checked against its source instead (test/cases/ivshmem-flat.ts).';

divergences.push(
  {
    releases: ['7.2'],
    access: /^options: -device ivshmem-flat,/,
    qemu: /^'ivshmem-flat' is not a valid device model name$/,
    project: /^ok$/,
    reason: 'QEMU 7.2 has no ivshmem-flat: it is first in QEMU 10.0.',
  },
  {
    releases: ['10.0'],
    access: /^options: -device ivshmem-flat,/,
    qemu: /^Parameter 'driver' expects a pluggable device type$/,
    project: /^ok$/,
    reason: FLAT_BOARD,
  },
  {
    releases: ['10.0'],
    access: /^ivshmem-flat: -device ivshmem-flat,help: x-(bus-address-iomem|bus-address-shmem|irq-qompath)$/,
    qemu: /^absent$/,
    project: /^<(uint64|str)>/,
    reason: 'The board wiring (where the two regions are mapped, which interrupt input the line drives) is said with the '
      + 'properties of the series\' unmerged part (v3: x-bus-address-iomem, x-bus-address-shmem, x-irq-qompath), which QEMU 10.0 '
      + 'does not have; they default to the series\' lm3s6965evb wiring and change no behaviour of the device.',
  },
);

export function documented(release: ReleaseName, scenario: string, access: string, qemu: string, project: string): Divergence | undefined {
  const where = `${scenario}: ${access}`;
  return divergences.find((d) => d.releases.includes(release) && d.access.test(where) && d.qemu.test(qemu) && d.project.test(project));
}
