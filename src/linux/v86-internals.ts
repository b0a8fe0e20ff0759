// The parts of a v86 emulator (the npm package `v86`) that a PCI function needs and that its
// typings do not declare: the PCI bus (config space through ports 0xcf8/0xcfc, interrupt routing)
// and the MMIO map, kept in blocks of 128 KiB (src/io.js: MMAP_BLOCK_BITS).

export const MMIO_BLOCK = 1 << 17;

export type Read = (address: number) => number;
export type Write = (address: number, value: number) => void;

export interface V86Pci {
  devices: unknown[];
  device_spaces: (Int32Array | undefined)[];
  pci_addr: Uint8Array;
  pci_response32: Int32Array;
  pci_query(): void;
  pci_write8(address: number, value: number): void;
  pci_write16(address: number, value: number): void;
  pci_write32(address: number, value: number): void;
  register_device(device: { pci_id: number; pci_space: number[]; pci_bars: unknown[]; name: string }): Int32Array;
  raise_irq(pciId: number): void;
  lower_irq(pciId: number): void;
}

export interface V86Cpu {
  devices: { pci: V86Pci };
  memory_map_read8: Read[];
  memory_map_write8: Write[];
  memory_map_read32: Read[];
  memory_map_write32: Write[];
  io: { mmap_register(address: number, size: number, read8: Read, write8: Write, read32: Read, write32: Write): void };
}

/** The emulator object behind `new V86(...)` (its `v86` member). */
export interface V86Machine {
  cpu: V86Cpu;
}
