// MSI-X as QEMU's hw/pci/msix.c implements it, for msix_init_exclusive_bar (table at 0 of BAR1,
// PBA at 2048 or right after a bigger table). Kept as msix.c keeps it: the table and PBA bytes,
// and msix_function_masked, a cached flag updated only by config writes that cover the Message
// Control byte (msix_write_config), not recomputed on every question.
import type { PciConfig } from './pci-config.ts';

export const CAP = 0x40; // the first capability pci_add_capability places
export const CAP_ID = 0x11;
export const CAP_SIZE = 12; // PCI_CAP_MSIX_SIZEOF
export const CONTROL = CAP + 3; // MSIX_CONTROL_OFFSET: the high byte of Message Control
export const ENABLE = 0x80; // MSIX_ENABLE_MASK (in that byte)
export const MASKALL = 0x40; // MSIX_MASKALL_MASK
export const ENTRY_SIZE = 16;
export const VECTOR_CTRL = 12;
export const MASKBIT = 1;

export interface MsixSink {
  /** msi_send_message: a DMA write as bus master */
  send(vector: number): void;
}

export class Msix {
  readonly table: Uint8Array;
  readonly pba: Uint8Array;
  readonly pbaOffset: number;
  readonly barSize: number;
  private functionMasked = true;

  constructor(private readonly config: PciConfig, readonly vectors: number, private readonly sink: MsixSink) {
    this.table = new Uint8Array(vectors * ENTRY_SIZE);
    this.pba = new Uint8Array(Math.ceil(vectors / 64) * 8);
    this.pbaOffset = pbaOffset(vectors);
    this.barSize = msixBarSize(vectors);
    // msix_init
    config.addCapability(CAP_ID, CAP, CAP_SIZE);
    config.setWord(CAP + 2, vectors - 1);
    config.bytes[CAP + 4] = 1; // table in BAR1 at 0 (BIR 1)
    const pba = this.pbaOffset | 1;
    for (let i = 0; i < 4; i++) config.bytes[CAP + 8 + i] = (pba >>> (8 * i)) & 0xff;
    config.wmask[CONTROL] |= ENABLE | MASKALL;
    this.maskAll();
  }

  get enabled(): boolean {
    return (this.config.bytes[CONTROL] & ENABLE) !== 0;
  }

  private computeFunctionMasked(): boolean {
    return !this.enabled || (this.config.bytes[CONTROL] & MASKALL) !== 0;
  }

  private entryMasked(vector: number): boolean {
    return (this.table[vector * ENTRY_SIZE + VECTOR_CTRL] & MASKBIT) !== 0;
  }

  /** msix_vector_masked with the cached function mask (msix_is_masked) */
  isMasked(vector: number): boolean {
    return this.functionMasked || this.entryMasked(vector);
  }

  isPending(vector: number): boolean {
    return (this.pba[vector >> 3] & (1 << (vector & 7))) !== 0;
  }

  private setPending(vector: number, on: boolean): void {
    if (on) this.pba[vector >> 3] |= 1 << (vector & 7);
    else this.pba[vector >> 3] &= ~(1 << (vector & 7));
  }

  /** msix_notify */
  notify(vector: number): void {
    if (vector >= this.vectors) return;
    if (this.isMasked(vector)) {
      this.setPending(vector, true);
      return;
    }
    this.sink.send(vector);
  }

  /** msix_handle_mask_update */
  private maskUpdate(vector: number, wasMasked: boolean): void {
    const masked = this.isMasked(vector);
    if (masked === wasMasked) return;
    if (!masked && this.isPending(vector)) {
      this.setPending(vector, false);
      this.notify(vector);
    }
  }

  /** msix_write_config: after pci_default_write_config, if the write covered the Control byte */
  configWritten(offset: number, width: number): void {
    if (!(CONTROL >= offset && CONTROL < offset + width)) return;
    const wasMasked = this.functionMasked;
    this.functionMasked = this.computeFunctionMasked();
    if (!this.enabled || this.functionMasked === wasMasked) return;
    for (let v = 0; v < this.vectors; v++) this.maskUpdate(v, wasMasked || this.entryMasked(v));
  }

  /** BAR1, one 4-byte access (the memory core splits 8-byte ones: impl.max_access_size = 4) */
  read32(offset: number): number {
    if (offset < this.table.length) return readLong(this.table, offset);
    const pba = offset - this.pbaOffset;
    if (pba >= 0 && pba < this.pba.length) return readLong(this.pba, pba);
    return 0; // inside the BAR but in neither region: unassigned, reads 0
  }

  write32(offset: number, value: number): void {
    if (offset >= this.table.length) return; // msix_pba_mmio_write ignores writes; nothing else is there
    const vector = Math.floor(offset / ENTRY_SIZE);
    const wasMasked = this.isMasked(vector);
    for (let i = 0; i < 4; i++) this.table[offset + i] = (value >>> (8 * i)) & 0xff;
    this.maskUpdate(vector, wasMasked);
  }

  /** msix_mask_all: every entry's mask bit set */
  private maskAll(): void {
    for (let v = 0; v < this.vectors; v++) this.table[v * ENTRY_SIZE + VECTOR_CTRL] |= MASKBIT;
  }

  /** msix_reset: Enable and Function Mask cleared, table zeroed then masked, PBA cleared */
  reset(): void {
    this.config.bytes[CONTROL] &= ~this.config.wmask[CONTROL];
    this.table.fill(0);
    this.pba.fill(0);
    this.maskAll();
  }

  /** msix_load (after the config space is loaded): table and PBA, then the function mask recomputed */
  load(table: Uint8Array, pba: Uint8Array): void {
    this.table.set(table);
    this.pba.set(pba);
    this.functionMasked = this.computeFunctionMasked();
  }
}

// msix_init_exclusive_bar: PBA at 2048 unless the table is bigger; the BAR a power of two >= 4K
function pbaOffset(vectors: number): number {
  return Math.max(2048, vectors * ENTRY_SIZE);
}

export function msixBarSize(vectors: number): number {
  let size = 4096;
  while (size < pbaOffset(vectors) + Math.ceil(vectors / 64) * 8) size *= 2;
  return size;
}

function readLong(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}
