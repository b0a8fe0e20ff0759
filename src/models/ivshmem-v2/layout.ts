// ivshmem-v2 as a PCI function, as the RFC's ivshmem_realize lays it out: vendor 110a (Siemens),
// device 4106, revision 0, class ff with the protocol in sub-class and prog-if; BAR0 a 4 KiB page
// of 32-bit registers, BAR1 the MSI-X table and PBA (msix_init_exclusive_bar), BAR2 the whole
// shared memory, 64-bit prefetchable; the vendor capability after the MSI-X one. The memory's
// sections: the state table (one page, read-only), the R/W section, then one output section per
// peer, writable only by its owner (Jailhouse maps the others read-only).
import * as L from '../../../assembly/layout.ts';
import { msixBar, type DeviceLayout, type PciCapability, type ReadOnlyRange } from '../../device/layout.ts';
import type { BlockView } from '../../device/model.ts';

/** Where a section is in BAR2, and how big. */
export interface Section {
  /** where it starts in BAR2 */
  offset: number;
  /** its size in bytes */
  size: number;
}

/** The shared memory's sections as a device sees them (the spec's "Shared Memory Region Layout"). */
export interface Sections {
  /** the read-only state table: one 32-bit state per peer, written through the State register */
  stateTable: Section;
  /** the section every peer may read and write */
  rw: Section;
  /** every peer's output section, by peer ID (empty when the output section size is 0) */
  outputs: Section[];
}

/** What the server told the device at INIT, kept in its block (src/models/ivshmem-v2/client.ts). */
export interface InitView {
  id: number;
  vectors: number;
  maxPeers: number;
  protocol: number;
  outputSectionSize: number;
}

export function initOf({ view, block }: BlockView): InitView {
  const word = (offset: number) => view.getUint32(block + offset, true);
  return {
    id: view.getInt32(block + L.DEV_VM_ID, true),
    vectors: word(L.DEV_VECTORS),
    maxPeers: word(L.V2_MAX_PEERS),
    protocol: word(L.V2_PROTOCOL),
    outputSectionSize: word(L.V2_OUTPUT_SIZE),
  };
}

/** The RFC's realize: the state table first, the output sections last, the R/W section between. */
export function sectionsOf(memorySize: number, init: Pick<InitView, 'maxPeers' | 'outputSectionSize'>): Sections {
  const outputs = init.outputSectionSize * init.maxPeers;
  const rwSize = Math.max(0, memorySize - outputs - L.V2_STATE_TABLE_SIZE);
  const start = L.V2_STATE_TABLE_SIZE + rwSize;
  return {
    stateTable: { offset: 0, size: L.V2_STATE_TABLE_SIZE },
    rw: { offset: L.V2_STATE_TABLE_SIZE, size: rwSize },
    outputs: init.outputSectionSize === 0 ? [] : Array.from({ length: init.maxPeers }, (_, peer) => ({ offset: start + peer * init.outputSectionSize, size: init.outputSectionSize })),
  };
}

/** What device `id` may not write: the state table, and every output section but its own. */
function readOnly(sections: Sections, id: number): ReadOnlyRange[] {
  const ranges: ReadOnlyRange[] = [{ ...sections.stateTable, what: 'the state table (its State register writes its entry)' }];
  const { outputs } = sections;
  for (const others of [outputs.slice(0, id), outputs.slice(id + 1)]) {
    if (others.length === 0) continue;
    const size = others.reduce((sum, section) => sum + section.size, 0);
    ranges.push({ offset: others[0].offset, size, what: 'another peer\'s output section (only its owner writes it)' });
  }
  return ranges;
}

/** The vendor capability (ID 09h), 18h bytes: only bit 0 of its privileged control is writable. */
function vendorCapability(sections: Sections, outputSectionSize: number): PciCapability {
  const bytes = new Uint8Array(L.V2_VNDR_LENGTH);
  const view = new DataView(bytes.buffer);
  bytes[0] = L.PCI_CAP_ID_VNDR;
  bytes[2] = L.V2_VNDR_LENGTH;
  view.setUint32(L.V2_CAP_STATE_TAB_SZ, sections.stateTable.size, true);
  view.setBigUint64(L.V2_CAP_RW_SECTION_SZ, BigInt(sections.rw.size), true);
  view.setBigUint64(L.V2_CAP_OUTPUT_SECTION_SZ, BigInt(outputSectionSize), true);
  const writable = new Uint8Array(L.V2_VNDR_LENGTH);
  writable[L.V2_CAP_PRIV_CTRL] = L.V2_ONESHOT;
  return { offset: L.V2_VNDR_CAP, bytes, writable };
}

export function v2Layout(memorySize: number, block: BlockView): DeviceLayout {
  const init = initOf(block);
  const sections = sectionsOf(memorySize, init);
  const msix = msixBar(init.vectors);
  return {
    transport: 'pci',
    revision: 0,
    interruptPin: 0,
    msix: true,
    intx: false,
    vectors: init.vectors,
    // the specification's 16-bit vector (the RFC decodes 8)
    doorbellVectors: 1 << 16,
    bars: [
      { index: 0, kind: 'registers', size: L.V2_BAR0_SIZE, type: 0, registerWidth: 4 },
      { index: 1, kind: 'msix', size: msix.size, type: 0 },
      {
        index: 2,
        kind: 'memory',
        size: memorySize,
        type: L.PCI_BASE_ADDRESS_MEM_PREFETCH | L.PCI_BASE_ADDRESS_MEM_TYPE_64,
        readOnly: readOnly(sections, init.id),
      },
    ],
    pbaOffset: msix.pbaOffset,
    memoryBar: 2,
    extensions: 0,
    identity: { vendor: 0x110a, device: 0x4106, classCode: 0xff0000 | (init.protocol & 0xffff) },
    capabilities: [vendorCapability(sections, init.outputSectionSize)],
  };
}
