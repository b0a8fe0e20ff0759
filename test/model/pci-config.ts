// PCI configuration space of one function, as QEMU's hw/pci/pci.c keeps it (and hw/pci/msix.c for the capability):
// 256 bytes of config, a write mask (wmask: bits software may change) and a write-1-to-clear mask
// (w1cmask). pci_default_write_config applies both byte by byte; pci_do_device_reset clears the
// writable bits of the header only (Command, Status, Cache Line Size, Interrupt Line, the BARs).
// Plain TypeScript, sharing nothing with assembly/ or src/: this is the oracle.

export const COMMAND = 0x04;
export const STATUS = 0x06;
export const CMD_IO = 0x1;
export const CMD_MEMORY = 0x2;
export const CMD_MASTER = 0x4;
export const CMD_SERR = 0x100;
export const CMD_INTX_DISABLE = 0x400;
export const STATUS_INTERRUPT = 0x08;
export const STATUS_CAP_LIST = 0x10;
/** pci_init_w1cmask: Parity, Sig/Rec Target Abort, Rec Master Abort, Sig System Error, Detected Parity */
export const STATUS_W1C = 0x0100 | 0x0800 | 0x1000 | 0x2000 | 0x4000 | 0x8000;
/** PCI_CONFIG_HEADER_SIZE: pci_init_wmask makes everything past it writable (capabilities take it back) */
export const HEADER_SIZE = 0x40;

export interface BarSpec {
  index: number;
  size: number;
  /** low type bits: 0 = 32-bit memory, 0x8 prefetchable, 0x4 64-bit */
  type: number;
}

export interface ConfigIdentity {
  revision: number;
  interruptPin: number;
  bars: BarSpec[];
}

export class PciConfig {
  readonly bytes = new Uint8Array(256);
  readonly wmask = new Uint8Array(256);
  readonly w1cmask = new Uint8Array(256);

  /** do_pci_register_device + pci_init_wmask + pci_init_w1cmask + pci_register_bar, for ivshmem */
  constructor(identity: ConfigIdentity) {
    this.setWord(0x00, 0x1af4); // PCI_VENDOR_ID_REDHAT_QUMRANET
    this.setWord(0x02, 0x1110); // PCI_DEVICE_ID_IVSHMEM
    this.bytes[0x08] = identity.revision;
    this.bytes[0x0b] = 0x05; // PCI_CLASS_MEMORY_RAM = 0x0500: base class 05, subclass 00
    this.setWord(0x2c, 0x1af4); // pci_set_default_subsystem_id: PCI_SUBVENDOR_ID_REDHAT_QUMRANET
    this.setWord(0x2e, 0x1100); // PCI_SUBDEVICE_ID_QEMU
    this.bytes[0x3d] = identity.interruptPin;
    this.wmask[0x0c] = 0xff; // Cache Line Size
    this.wmask[0x3c] = 0xff; // Interrupt Line
    const command = CMD_IO | CMD_MEMORY | CMD_MASTER | CMD_INTX_DISABLE | CMD_SERR;
    this.wmask[COMMAND] = command & 0xff;
    this.wmask[COMMAND + 1] = command >> 8;
    this.w1cmask[STATUS] = STATUS_W1C & 0xff;
    this.w1cmask[STATUS + 1] = STATUS_W1C >> 8;
    this.wmask.fill(0xff, HEADER_SIZE); // REFERENCE §8: 0x40..0xff writable outside capabilities
    for (const bar of identity.bars) this.registerBar(bar);
  }

  /** pci_register_bar: the type bits read back, the address bits above the size are writable */
  private registerBar(bar: BarSpec): void {
    const at = 0x10 + bar.index * 4;
    const mask = BigInt.asUintN(64, ~(BigInt(bar.size) - 1n));
    this.setLong(at, bar.type);
    this.setLongIn(this.wmask, at, Number(mask & 0xffffffffn));
    if (bar.type & 0x4) this.setLongIn(this.wmask, at + 4, Number(mask >> 32n));
  }

  /** pci_add_capability: the capability's bytes are read-only unless the capability says otherwise */
  addCapability(id: number, offset: number, size: number): void {
    this.bytes[offset] = id;
    this.bytes[offset + 1] = this.bytes[0x34];
    this.bytes[0x34] = offset;
    this.bytes[STATUS] |= STATUS_CAP_LIST;
    this.wmask.fill(0, offset, offset + size);
  }

  read(offset: number, width: number): number {
    let value = 0;
    for (let i = 0; i < width; i++) value += this.bytes[offset + i] * 2 ** (8 * i);
    return value;
  }

  /** pci_default_write_config, the byte loop */
  write(offset: number, width: number, value: number): void {
    for (let i = 0; i < width; i++) {
      const at = offset + i;
      const byte = Math.floor(value / 2 ** (8 * i)) & 0xff;
      const w = this.wmask[at];
      const w1c = this.w1cmask[at];
      this.bytes[at] = ((this.bytes[at] & ~w) | (byte & w)) & ~(byte & w1c);
    }
  }

  get command(): number {
    return this.read(COMMAND, 2);
  }

  /** pci_do_device_reset: the writable header bits go back to 0, the BARs to their type bits */
  reset(bars: BarSpec[]): void {
    for (const at of [COMMAND, COMMAND + 1, STATUS, STATUS + 1, 0x3c]) this.bytes[at] &= ~(this.wmask[at] | this.w1cmask[at]);
    this.bytes[0x0c] = 0;
    for (const bar of bars) {
      this.setLong(0x10 + bar.index * 4, bar.type);
      if (bar.type & 0x4) this.setLong(0x14 + bar.index * 4, 0);
    }
  }

  setStatusBit(bit: number, on: boolean): void {
    if (on) this.bytes[STATUS] |= bit;
    else this.bytes[STATUS] &= ~bit;
  }

  setWord(at: number, value: number): void {
    this.bytes[at] = value & 0xff;
    this.bytes[at + 1] = (value >> 8) & 0xff;
  }

  private setLong(at: number, value: number): void {
    this.setLongIn(this.bytes, at, value);
  }

  private setLongIn(array: Uint8Array, at: number, value: number): void {
    for (let i = 0; i < 4; i++) array[at + i] = (value >>> (8 * i)) & 0xff;
  }
}
